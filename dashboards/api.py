"""Dashboards API: registers its viewsets on the project router (imported by mot_coach.urls)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from calls.api.tone import FlagSerializer
from calls.models import ReviewStatus, Segment
from calls.review import flag_review, flags_visible_to, moment_comment_create
from calls.selectors import scope_to_user
from mot_coach.api import router

from .models import MomentComment


class FlagReviewSerializer(serializers.Serializer):
    flag = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ReviewStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class FlagReviewViewSet(viewsets.GenericViewSet):
    """Confirm or dismiss a flag (a dismissal needs a reason). Agents may not review."""

    serializer_class = FlagReviewSerializer

    def get_queryset(self):
        return flags_visible_to(self.request.user)

    @extend_schema(request=FlagReviewSerializer, responses=FlagSerializer)
    def create(self, request):
        body = FlagReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        flag = get_object_or_404(self.get_queryset(), pk=body.validated_data["flag"])
        try:
            flag = flag_review(
                actor=request.user,
                flag=flag,
                status=body.validated_data["status"],
                reason=body.validated_data.get("reason", ""),
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return Response(FlagSerializer(flag).data, status=status.HTTP_200_OK)


class MomentCommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = MomentComment
        fields = ["id", "call", "segment", "author", "text", "created_at"]
        read_only_fields = ["id", "call", "author", "created_at"]


class MomentCommentViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = MomentCommentSerializer
    filterset_fields = ["call", "segment"]

    def get_queryset(self):
        return scope_to_user(MomentComment.objects.all(), self.request.user, "call__").order_by("created_at", "id")

    def perform_create(self, serializer):
        segment = get_object_or_404(
            scope_to_user(Segment.objects.select_related("call"), self.request.user, "call__"),
            pk=serializer.validated_data["segment"].pk,
        )
        try:
            serializer.instance = moment_comment_create(
                actor=self.request.user, segment=segment, text=serializer.validated_data["text"]
            )
        except DjangoPermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc


router.register("flag-reviews", FlagReviewViewSet, basename="flag-review")
router.register("moment-comments", MomentCommentViewSet, basename="moment-comment")
