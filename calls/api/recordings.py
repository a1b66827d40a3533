from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from accounts.models import ChannelLayout
from calls.media import recording_audio_response
from calls.models import Recording, Segment
from calls.policies import can_change_call, can_log_calls
from calls.recordings import (
    RecordingNotRetryable,
    RecordingRejected,
    recording_create,
    recording_create_with_call,
    recording_delete,
    recording_retry,
    too_large_error,
)
from calls.selectors import calls_visible_to, recordings_visible_to
from calls.uploads import upload_was_too_large
from privacy.models import AccessAction
from privacy.services import access_log_record, audio_access_record

from .serializers import CallSerializer


class RecordingSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    audio_url = serializers.SerializerMethodField()

    class Meta:
        model = Recording
        fields = [
            "id",
            "call",
            "status",
            "status_display",
            "progress",
            "attempts",
            "failure_reason",
            "original_filename",
            "size_bytes",
            "format_name",
            "codec",
            "duration_seconds",
            "sample_rate",
            "channels",
            "channel_layout",
            "created_at",
            "finished_at",
            "audio_url",
        ]
        read_only_fields = fields

    def get_audio_url(self, recording: Recording) -> str:
        return f"/api/recordings/{recording.pk}/audio/"


class SegmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Segment
        fields = [
            "id",
            "index",
            "speaker",
            "start",
            "end",
            "text",
            "avg_logprob",
            "no_speech_prob",
            "compression_ratio",
            "words",
        ]


@extend_schema_field(OpenApiTypes.INT)
class ScopedCallField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return calls_visible_to(self.context["request"].user)


class RecordingUploadSerializer(serializers.Serializer):
    """A file for an existing `call`, or a file and the fields of a new call (defaults apply)."""

    file = serializers.FileField(allow_empty_file=True, use_url=False)
    call = ScopedCallField(required=False, allow_null=True)
    channel_layout = serializers.ChoiceField(choices=ChannelLayout.choices, required=False)


class RecordingPermission(permissions.IsAuthenticated):
    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method != "POST" or view.action == "retry" or can_log_calls(request.user)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_change_call(request.user, obj.call)


class RecordingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    serializer_class = RecordingSerializer
    permission_classes = [RecordingPermission]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]
    filterset_fields = ["call", "status"]
    ordering_fields = ["created_at", "id", "duration_seconds"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return recordings_visible_to(self.request.user)

    @extend_schema(request={"multipart/form-data": RecordingUploadSerializer}, responses={201: RecordingSerializer})
    def create(self, request, *args, **kwargs):
        """Upload a recording (multipart). Without `call`, the call is created from the other fields."""
        request.data  # noqa: B018  (parse the body first: the size-limiting upload handler runs then)
        if upload_was_too_large(request):
            exc = too_large_error()
            return Response({"file": [exc.message], "code": exc.code}, status=exc.status)
        upload = RecordingUploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        call = data.get("call")
        try:
            if call is not None:
                recording = recording_create(
                    actor=request.user, call=call, upload=data["file"], channel_layout=data.get("channel_layout")
                )
            else:
                call_fields = CallSerializer(data=_call_fields(request.data), context={"request": request})
                call_fields.is_valid(raise_exception=True)
                recording = recording_create_with_call(
                    actor=request.user,
                    call_fields=call_fields.validated_data,
                    upload=data["file"],
                    channel_layout=data.get("channel_layout"),
                )
        except RecordingRejected as exc:
            return Response({"file": [exc.message], "code": exc.code}, status=exc.status)
        return Response(RecordingSerializer(recording).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        recording_delete(actor=self.request.user, recording=instance)

    @extend_schema(request=None, responses=RecordingSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Send a failed recording, or one stuck in a stage, through the pipeline again (else 409)."""
        recording = self.get_object()
        try:
            recording = recording_retry(actor=request.user, recording=recording)
        except RecordingNotRetryable as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(RecordingSerializer(recording).data)

    @extend_schema(responses={(200, "audio/*"): bytes})
    @action(detail=True, methods=["get"])
    def audio(self, request, pk=None):
        recording = self.get_object()
        response = recording_audio_response(request, recording)
        if response.status_code < 400:
            audio_access_record(request, recording)
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "unmasked",
                bool,
                description="The original text with personal numbers (needs calls.view_unmasked_transcript; logged).",
            )
        ],
        responses=SegmentSerializer(many=True),
    )
    # One transcript is read whole (a client follows playback through it): a plain list, not pages.
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def segments(self, request, pk=None):
        """The whole transcript in order, personal numbers masked. Every view goes to the access log."""
        recording = self.get_object()
        unmasked = _flag(request.query_params.get("unmasked"))
        if unmasked is None:
            raise ValidationError({"unmasked": ["Use 1 or 0."]})
        if unmasked and not request.user.has_perm("calls.view_unmasked_transcript"):
            raise PermissionDenied(_("You may not see transcripts with personal numbers unmasked."))
        segments = list(Segment.objects.filter(transcript__recording=recording).order_by("index"))
        data = SegmentSerializer(segments, many=True).data
        if unmasked:
            for row, segment in zip(data, segments, strict=True):
                row["text"] = segment.text_unmasked or segment.text
        access_log_record(
            action=AccessAction.UNMASKED_VIEW if unmasked else AccessAction.TRANSCRIPT_VIEW,
            request=request,
            call_id=recording.call_id,
            recording_id=recording.pk,
        )
        return Response(data)


def _flag(value: str | None) -> bool | None:
    if value in (None, "", "0", "false"):
        return False
    if value in ("1", "true"):
        return True
    return None


def _call_fields(data) -> dict:
    fields = {}
    for name in CallSerializer.Meta.fields:
        if name in data and name not in ("id",):
            fields[name] = data.get(name)
    fields.setdefault("direction", "inbound")
    fields.setdefault("outcome", "other")
    return fields
