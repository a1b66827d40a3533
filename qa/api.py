"""QA API: scorecards, evaluations, disputes and the evaluation queue (registered on the project
router, imported by mot_coach.urls). Out of scope: 404; not allowed: 403; anonymous: 401.
Writes go through qa.services."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.scoping import teams_visible_to
from calls.models import Flag
from calls.review import flags_visible_to
from calls.selectors import calls_visible_to
from mot_coach.api import router

from . import selectors, services
from .models import (
    Answer,
    AnswerType,
    AutoSource,
    Criterion,
    Dispute,
    DisputeMessage,
    DisputeStatus,
    Evaluation,
    QueueItem,
    Scorecard,
    Section,
)
from .policies import can_edit_scorecards, can_evaluate

# --- scorecards -------------------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    answer_type = serializers.ChoiceField(AnswerType.choices, default=AnswerType.YES_NO)
    auto_source = serializers.ChoiceField(AutoSource.choices, default="", allow_blank=True)
    auto_key = serializers.CharField(max_length=20, default="", allow_blank=True)

    class Meta:
        model = Criterion
        fields = ["id", "text", "guidance", "answer_type", "weight", "allow_na", "is_fail", "auto_source", "auto_key"]
        read_only_fields = ["id"]


class SectionSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True)

    class Meta:
        model = Section
        fields = ["id", "title", "criteria"]
        read_only_fields = ["id"]


class ScorecardSerializer(serializers.ModelSerializer):
    sections = SectionSerializer(many=True)
    is_frozen = serializers.BooleanField(read_only=True)

    class Meta:
        model = Scorecard
        fields = ["id", "name", "description", "team", "version", "previous", "is_active", "is_frozen", "sections"]
        read_only_fields = ["id", "version", "previous", "is_frozen"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            self.fields["team"].queryset = teams_visible_to(request.user)

    def update(self, instance, validated_data):
        if "sections" in validated_data:
            raise serializers.ValidationError(
                {"sections": _("Questions change only by a new version (POST …/new_version/).")}
            )
        return services.scorecard_update(actor=self.context["request"].user, scorecard=instance, changes=validated_data)

    def create(self, validated_data):
        validated_data.pop("is_active", None)  # a new scorecard is in use
        return services.scorecard_create(actor=self.context["request"].user, **validated_data)


class ScorecardViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Evaluation forms. Trainers and admins create them; once used, a scorecard is frozen and
    changes only by a new version."""

    queryset = Scorecard.objects.none()
    serializer_class = ScorecardSerializer
    filterset_fields = ["team", "is_active"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.scorecards_visible_to(self.request.user).prefetch_related("sections__criteria")

    def check_permissions(self, request):
        super().check_permissions(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and not can_edit_scorecards(request.user):
            raise PermissionDenied(_("Only trainers and admins define scorecards."))

    @extend_schema(request=None, responses=ScorecardSerializer)
    @action(detail=True, methods=["post"])
    def new_version(self, request, pk=None):
        scorecard = services.scorecard_new_version(actor=request.user, scorecard=self.get_object())
        return Response(self.get_serializer(scorecard).data, status=status.HTTP_201_CREATED)


# --- evaluations ------------------------------------------------------------------------------


class AnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Answer
        fields = ["criterion", "value", "auto_value", "comment"]
        read_only_fields = ["auto_value"]


class EvaluationSerializer(serializers.ModelSerializer):
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "call",
            "scorecard",
            "evaluator",
            "agent",
            "team",
            "calibration",
            "status",
            "score",
            "failed",
            "comment",
            "revision_open",
            "acknowledged_at",
            "submitted_at",
            "revised_at",
            "answers",
        ]
        read_only_fields = fields


class EvaluationStartSerializer(serializers.Serializer):
    call = serializers.IntegerField()
    scorecard = serializers.IntegerField()


class AnswerInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    value = serializers.CharField(max_length=3, allow_blank=True, required=False)
    comment = serializers.CharField(max_length=2000, allow_blank=True, required=False)


class EvaluationUpdateSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    answers = AnswerInputSerializer(many=True, required=False)


class EvaluationViewSet(viewsets.ReadOnlyModelViewSet):
    """Agents read their own submitted evaluations; evaluators start, fill in and submit them."""

    queryset = Evaluation.objects.none()
    serializer_class = EvaluationSerializer
    filterset_fields = ["call", "agent", "team", "status", "scorecard"]
    ordering_fields = ["call_started_at", "score", "submitted_at"]

    def get_queryset(self):
        return selectors.evaluations_visible_to(self.request.user).prefetch_related("answers")

    @extend_schema(request=EvaluationStartSerializer, responses={201: EvaluationSerializer})
    def create(self, request):
        data = EvaluationStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call = get_object_or_404(calls_visible_to(request.user), pk=data.validated_data["call"])
        if not can_evaluate(request.user):
            raise PermissionDenied(_("You may not evaluate this call."))
        scorecard = get_object_or_404(
            selectors.scorecards_visible_to(request.user), pk=data.validated_data["scorecard"]
        )
        evaluation = services.evaluation_start(actor=request.user, call=call, scorecard=scorecard)
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EvaluationUpdateSerializer, responses=EvaluationSerializer)
    def partial_update(self, request, pk=None):
        evaluation = self.get_object()
        data = EvaluationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answers = {
            a["criterion"]: {k: v for k, v in a.items() if k != "criterion"}
            for a in data.validated_data.get("answers", [])
        }
        services.evaluation_save(
            actor=request.user, evaluation=evaluation, answers=answers, comment=data.validated_data.get("comment")
        )
        return Response(EvaluationSerializer(self.get_queryset().get(pk=evaluation.pk)).data)

    @extend_schema(request=None, responses=EvaluationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        evaluation = services.evaluation_submit(actor=request.user, evaluation=self.get_object())
        return Response(EvaluationSerializer(evaluation).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        services.acknowledgement_create(actor=request.user, evaluation=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- disputes ---------------------------------------------------------------------------------


class DisputeMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputeMessage
        fields = ["id", "author", "text", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


class DisputeSerializer(serializers.ModelSerializer):
    messages = DisputeMessageSerializer(many=True, read_only=True)
    evaluation = serializers.IntegerField(source="evaluation_id", required=False, allow_null=True)
    flag = serializers.IntegerField(source="flag_id", required=False, allow_null=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "raised_by",
            "call",
            "evaluation",
            "flag",
            "reason",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
            "messages",
        ]
        read_only_fields = [
            "id",
            "raised_by",
            "call",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]


class DisputeDecisionSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField([DisputeStatus.UPHELD, DisputeStatus.OVERTURNED])
    note = serializers.CharField(max_length=5000)


class DisputeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """An agent disputes their evaluation or flag; the team's supervisor (or the evaluator)
    answers in the thread and decides: upheld or overturned."""

    queryset = Dispute.objects.none()
    serializer_class = DisputeSerializer
    filterset_fields = ["status", "call", "raised_by"]

    def get_queryset(self):
        return selectors.disputes_visible_to(self.request.user).prefetch_related("messages")

    def perform_create(self, serializer):
        user = self.request.user
        evaluation_id = serializer.validated_data.get("evaluation_id")
        flag_id = serializer.validated_data.get("flag_id")
        evaluation = (
            get_object_or_404(selectors.evaluations_visible_to(user), pk=evaluation_id) if evaluation_id else None
        )
        flag: Flag | None = get_object_or_404(flags_visible_to(user), pk=flag_id) if flag_id else None
        serializer.instance = services.dispute_create(
            actor=user, evaluation=evaluation, flag=flag, reason=serializer.validated_data["reason"]
        )

    @extend_schema(request=DisputeMessageSerializer, responses={201: DisputeMessageSerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        data = DisputeMessageSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.dispute_reply(
            actor=request.user, dispute=self.get_object(), text=data.validated_data["text"]
        )
        return Response(DisputeMessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DisputeDecisionSerializer, responses=DisputeSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        data = DisputeDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = services.dispute_decide(actor=request.user, dispute=self.get_object(), **data.validated_data)
        return Response(DisputeSerializer(self.get_queryset().get(pk=dispute.pk)).data)


# --- queue ------------------------------------------------------------------------------------


class QueueItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = QueueItem
        fields = ["id", "call", "agent", "team", "scorecard", "evaluator", "rule", "week", "reason", "created_at"]
        read_only_fields = fields


class QueueItemViewSet(viewsets.ReadOnlyModelViewSet):
    """평가 대기: calls sampled for the signed-in evaluator."""

    queryset = QueueItem.objects.none()
    serializer_class = QueueItemSerializer
    filterset_fields = ["team", "week"]

    def get_queryset(self):
        return selectors.queue_for(self.request.user)


router.register("qa/scorecards", ScorecardViewSet, basename="qa-scorecard")
router.register("qa/evaluations", EvaluationViewSet, basename="qa-evaluation")
router.register("qa/disputes", DisputeViewSet, basename="qa-dispute")
router.register("qa/queue", QueueItemViewSet, basename="qa-queue")
