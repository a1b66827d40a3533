from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from calls.analysis import calls_reanalyse_range
from calls.models import CallAnalysis, Flag, LabelledLine, Notification, Rule, RuleVersion, Speaker, ToneModelVersion
from calls.notifications import notifications_mark_all_read
from calls.rulebook import RULE_FIELDS, can_edit_rules, rule_save
from calls.selectors import calls_visible_to, scope_to_user
from mot_coach.dates import PlausibleDateField, PlausibleDateTimeField
from tone.corpus import categories_for
from tone.model import MODEL_CATEGORIES


class RuleSerializer(serializers.ModelSerializer):
    must_match = serializers.ListField(child=serializers.CharField(max_length=500), required=False)
    must_not_match = serializers.ListField(child=serializers.CharField(max_length=500), required=False)

    class Meta:
        model = Rule
        fields = [
            "id",
            *RULE_FIELDS,
            "version",
            "updated_at",
        ]
        read_only_fields = ["version", "updated_at"]


class RuleVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RuleVersion
        fields = ["version", "snapshot", "changed_by", "changed_at"]


class TrainerOnly(permissions.IsAuthenticated):
    """Trainers and administrators only, reading or writing."""

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and can_edit_rules(request.user)


class RulebookPermission(permissions.IsAuthenticated):
    """Everyone signed in reads the rulebook (it explains the flags); trainers and admins edit it."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        return request.method in permissions.SAFE_METHODS or can_edit_rules(request.user)


class ReanalyseSerializer(serializers.Serializer):
    date_from = PlausibleDateField()
    date_to = PlausibleDateField()
    team = serializers.IntegerField(required=False)

    def validate(self, data):
        if data["date_from"] > data["date_to"]:
            raise serializers.ValidationError("date_from is after date_to")
        return data


class RuleViewSet(viewsets.ModelViewSet):
    serializer_class = RuleSerializer
    permission_classes = [RulebookPermission]
    queryset = Rule.objects.all()
    filterset_fields = ["category", "severity", "speaker", "is_active"]
    ordering_fields = ["code", "category", "updated_at"]

    def perform_create(self, serializer):
        serializer.instance = self._save(Rule(), serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self._save(serializer.instance, serializer.validated_data)

    def _save(self, rule: Rule, data: dict) -> Rule:
        try:
            return rule_save(actor=self.request.user, rule=rule, changes=data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc

    def perform_destroy(self, instance):
        # Flags keep their rule code; a retired rule is switched off rather than forgotten.
        rule_save(actor=self.request.user, rule=instance, changes={"is_active": False})

    @extend_schema(responses=RuleVersionSerializer(many=True))
    # A rule's whole history, newest first: a plain list, not pages.
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request, pk=None):
        """Every saved version of the rule (all of them, unpaginated)."""
        return Response(RuleVersionSerializer(self.get_object().versions.all(), many=True).data)

    @extend_schema(request=ReanalyseSerializer, responses={202: dict})
    @action(detail=False, methods=["post"])
    def reanalyse(self, request):
        """Re-analyse stored transcripts of calls in a date range with the current rulebook."""
        body = ReanalyseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = calls_reanalyse_range(
            actor=request.user,
            date_from=body.validated_data["date_from"],
            date_to=body.validated_data["date_to"],
            team_id=body.validated_data.get("team"),
        )
        return Response({"queued_calls": count}, status=status.HTTP_202_ACCEPTED)


class FlagSerializer(serializers.ModelSerializer):
    segment_start = serializers.FloatField(source="segment.start", read_only=True)
    segment_end = serializers.FloatField(source="segment.end", read_only=True)
    segment_text = serializers.CharField(source="segment.text", read_only=True)

    class Meta:
        model = Flag
        fields = [
            "id",
            "call",
            "agent",
            "team",
            "speaker",
            "category",
            "severity",
            "start",
            "end",
            "excerpt",
            "rule_code",
            "rule_version",
            "explanation",
            "suggestion",
            "score",
            "segment",
            "segment_start",
            "segment_end",
            "segment_text",
            "review_status",
            "review_reason",
            "reviewed_by",
            "reviewed_at",
            "call_started_at",
        ]
        read_only_fields = fields


class FlagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = FlagSerializer
    filterset_fields = ["call", "agent", "team", "category", "severity", "speaker", "review_status"]
    ordering_fields = ["call_started_at", "severity", "id"]
    ordering = ["-call_started_at", "id"]

    def get_queryset(self):
        return scope_to_user(Flag.objects.select_related("segment"), self.request.user, "call__")


class CallAnalysisSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallAnalysis
        fields = ["call", "checklist", "metrics", "flag_count", "agent_flag_count", "abuse_count", "analysed_at"]
        read_only_fields = fields


class CallAnalysisViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The MOT checklist and call metrics, looked up by call id."""

    serializer_class = CallAnalysisSerializer
    lookup_field = "call"
    filterset_fields = []

    def get_queryset(self):
        return CallAnalysis.objects.filter(call__in=calls_visible_to(self.request.user)).order_by("-call_id")


class NotificationSerializer(serializers.ModelSerializer):
    read_at = PlausibleDateTimeField(required=False, allow_null=True)
    message = serializers.CharField(
        source="text", read_only=True, help_text="The notification, worded in the request's language."
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "call", "message", "link", "created_at", "read_at"]
        read_only_fields = ["id", "kind", "call", "message", "link", "created_at"]


class NotificationViewSet(mixins.ListModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """The user's own notifications; PATCH read_at to mark one read, POST read_all/ for all."""

    serializer_class = NotificationSerializer
    filterset_fields = ["kind"]
    http_method_names = ["get", "patch", "post"]

    def get_queryset(self):
        return Notification.objects.filter(recipient=self.request.user)

    @extend_schema(request=None, responses=inline_serializer("ReadAll", {"updated": serializers.IntegerField()}))
    @action(detail=False, methods=["post"], url_path="read_all")
    def read_all(self, request):
        return Response({"updated": notifications_mark_all_read(recipient=request.user)})


class LabelledLineSerializer(serializers.ModelSerializer):
    labels = serializers.ListField(child=serializers.ChoiceField(choices=MODEL_CATEGORIES), required=False)

    class Meta:
        model = LabelledLine
        fields = ["id", "text", "speaker", "labels", "context", "note", "created_by", "created_at"]
        read_only_fields = ["id", "created_by", "created_at"]

    def validate(self, data):
        wrong = set(data.get("labels") or ()) - categories_for(data.get("speaker", Speaker.AGENT))
        if wrong:
            raise serializers.ValidationError(
                {"labels": _("Not a category for this speaker: %(labels)s") % {"labels": ", ".join(sorted(wrong))}}
            )
        return data


class LabelledLineViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Lines a trainer labels by hand: training data for the next tone model (trainers and admins)."""

    serializer_class = LabelledLineSerializer
    permission_classes = [TrainerOnly]
    queryset = LabelledLine.objects.all()
    filterset_fields = ["speaker"]

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)


class ToneModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ToneModelVersion
        fields = ["id", "version", "digest", "is_active", "report", "created_by", "created_at"]
        read_only_fields = fields


class ToneModelVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """The learned tone model's versions with their validation and test figures; `train` retrains."""

    serializer_class = ToneModelVersionSerializer
    permission_classes = [TrainerOnly]
    queryset = ToneModelVersion.objects.defer("blob")

    @extend_schema(request=None, responses={202: dict})
    @action(detail=False, methods=["post"])
    def train(self, request):
        """Retrain on the worker (corpus + reviewers' verdicts + labelled lines); a worse model is refused."""
        from calls.tasks import tone_model_retrain

        transaction.on_commit(lambda: tone_model_retrain.delay(request.user.pk))
        return Response({"queued": True}, status=status.HTTP_202_ACCEPTED)
