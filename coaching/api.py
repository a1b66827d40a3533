"""Coaching API: registers its viewsets on the project router (imported by mot_coach.urls).

Same convention as the calls API: objects outside your scope are 404, writes you may not make
are 403, anonymous is 401. Writes go through coaching.services, which check the permissions.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.models import Team, User
from calls.models import Call, Category, Flag
from mot_coach.api import router
from mot_coach.dates import PlausibleDateField

from . import services
from .models import Assignment, ChecklistItem, CoachingSession, Module, PracticeAttempt, PracticeItem, Suggestion
from .rendering import render_markdown
from .selectors import (
    assignment_effect,
    assignment_practice,
    assignments_visible_to,
    attempts_visible_to,
    can_coach,
    can_coach_agent,
    can_edit_modules,
    modules_visible_to,
    sessions_visible_to,
    suggestions_visible_to,
)


class PracticeSubmitSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    reply = serializers.CharField(max_length=1000)


class PracticeAttemptSerializer(serializers.ModelSerializer):
    hits = serializers.SerializerMethodField()

    class Meta:
        model = PracticeAttempt
        fields = ["id", "assignment", "agent", "item", "reply", "passed", "polite", "hits", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_hits(self, attempt: PracticeAttempt) -> list[dict]:
        # Each hit with `category_label`, the category's name in the request's language.
        return attempt.hits_labelled()


# --- modules ----------------------------------------------------------------------------------


class PracticeItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = PracticeItem
        fields = ["id", "order", "prompt", "situation", "model_answer"]
        read_only_fields = ["id", "order"]


class ModuleSerializer(serializers.ModelSerializer):
    categories = serializers.ListField(child=serializers.ChoiceField(Category.choices), required=False)
    checklist_items = serializers.ListField(child=serializers.ChoiceField(ChecklistItem.choices), required=False)
    good_examples = serializers.ListField(child=serializers.CharField(max_length=300), required=False)
    bad_examples = serializers.ListField(child=serializers.CharField(max_length=300), required=False)
    practice_items = PracticeItemSerializer(many=True, required=False)
    content_html = serializers.SerializerMethodField()

    class Meta:
        model = Module
        fields = [
            "id",
            "title",
            "title_en",
            "categories",
            "checklist_items",
            "content",
            "content_html",
            "good_examples",
            "bad_examples",
            "practice_items",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]

    def get_content_html(self, module: Module) -> str:
        return render_markdown(module.content)


class ModulePermission(permissions.IsAuthenticated):
    """Everyone signed in reads the library; trainers and admins write it."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if getattr(view, "action", None) == "practice":
            return True  # free practice: the service lets agents in and refuses everyone else
        return request.method in permissions.SAFE_METHODS or can_edit_modules(request.user)


class ModuleViewSet(viewsets.ModelViewSet):
    queryset = Module.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = ModuleSerializer
    permission_classes = [ModulePermission]
    filterset_fields = ["is_active"]

    def get_queryset(self):
        return modules_visible_to(self.request.user)

    def _save(self, serializer, module: Module | None) -> None:
        data = dict(serializer.validated_data)
        items = data.pop("practice_items", None)
        serializer.instance = services.module_save(
            actor=self.request.user, module=module, changes=data, practice_items=items
        )

    def perform_create(self, serializer):
        self._save(serializer, None)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def perform_destroy(self, instance):
        # Assignments keep pointing at it: a retired module is switched off, not deleted.
        services.module_save(actor=self.request.user, module=instance, changes={"is_active": False})

    @extend_schema(request=PracticeSubmitSerializer, responses={201: PracticeAttemptSerializer})
    @action(detail=True, methods=["post"])
    def practice(self, request, pk=None):
        """Free practice: an agent checks a reply to one of a published module's lines, no assignment
        needed. The attempt is kept with `assignment` null and never completes an assignment."""
        module = self.get_object()
        body = PracticeSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = module.practice_items.filter(pk=body.validated_data["item"]).first()
        if item is None:
            raise serializers.ValidationError({"item": _("Not a practice item of this module.")})
        attempt = services.practice_free_submit(actor=request.user, item=item, reply=body.validated_data["reply"])
        return Response(PracticeAttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


# --- assignments and practice -----------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    module_title = serializers.CharField(source="module.title", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    flags = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    due_date = PlausibleDateField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "module",
            "module_title",
            "agent",
            "assigned_by",
            "assigned_at",
            "due_date",
            "note",
            "flags",
            "completed_at",
            "is_overdue",
        ]
        read_only_fields = ["module", "agent", "assigned_by", "assigned_at", "completed_at"]


class AssignmentCreateSerializer(serializers.Serializer):
    module = serializers.PrimaryKeyRelatedField(queryset=Module.objects.filter(is_active=True))
    agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False)
    due_date = PlausibleDateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    flags = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)

    def validate(self, data):
        if bool(data.get("agent")) == bool(data.get("team")):
            raise serializers.ValidationError("Give either an agent or a team.")
        return data


class PracticeAttemptCreateSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    item = serializers.IntegerField()
    reply = serializers.CharField(max_length=1000)


class ProgressQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365, required=False, default=30)


def _days_param(raw: str | None) -> int:
    """The `days` window of a progress query; anything but a whole number 1–365 is a 400."""
    query = ProgressQuerySerializer(data={} if raw in (None, "") else {"days": raw})
    query.is_valid(raise_exception=True)
    return query.validated_data["days"]


def _coach_only(user: User) -> None:
    if not can_coach(user):
        raise PermissionDenied()


class AssignmentViewSet(viewsets.ModelViewSet):
    queryset = Assignment.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = AssignmentSerializer
    filterset_fields = ["agent", "module"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return assignments_visible_to(self.request.user).prefetch_related("flags").order_by("id")

    @extend_schema(request=AssignmentCreateSerializer, responses=AssignmentSerializer(many=True))
    def create(self, request, *args, **kwargs):
        _coach_only(request.user)
        body = AssignmentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        created = services.assignments_create(
            actor=request.user,
            module=data["module"],
            agents=[data["agent"]] if data.get("agent") else None,
            team=data.get("team"),
            due_date=data["due_date"],
            note=data["note"],
            flag_ids=data["flags"],
        )
        return Response(AssignmentSerializer(created, many=True).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = services.assignment_update(
            actor=self.request.user, assignment=serializer.instance, changes=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.assignment_delete(actor=self.request.user, assignment=instance)

    @extend_schema(request=None, responses=AssignmentSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        assignment = services.assignment_complete(actor=request.user, assignment=self.get_object())
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=PracticeSubmitSerializer, responses={201: PracticeAttemptSerializer})
    @action(detail=True, methods=["post"])
    def practice(self, request, pk=None):
        """Check one practice reply with the tone analyser and keep it."""
        assignment = self.get_object()
        body = PracticeSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = assignment.module.practice_items.filter(pk=body.validated_data["item"]).first()
        if item is None:
            raise serializers.ValidationError({"item": _("Not a practice item of this module.")})
        attempt = services.practice_submit(
            actor=request.user, assignment=assignment, item=item, reply=body.validated_data["reply"]
        )
        return Response(PracticeAttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ProgressQuerySerializer], responses=dict)
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        """Practice status per item and the before/after effect (days: window, default 30)."""
        assignment = self.get_object()
        days = _days_param(request.query_params.get("days"))
        effect = assignment_effect(assignment, days=days)

        def rate(r):
            return (
                None
                if r is None
                else {"flags": r.flags, "calls": r.calls, "rate": r.value, "too_few_calls": r.too_few_calls}
            )

        return Response(
            {
                "practice": [
                    {"item": row.item.pk, "passed": row.passed, "last_reply": row.last.reply if row.last else None}
                    for row in assignment_practice(assignment)
                ],
                "effect": {
                    "days": days,
                    "before": rate(effect.before),
                    "after": rate(effect.after),
                    "after_partial": effect.after_partial,
                },
            }
        )


class PracticeAttemptViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Practice submissions: agents submit on their own assignments; coaches read their teams'."""

    queryset = PracticeAttempt.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = PracticeAttemptSerializer
    filterset_fields = ["assignment", "item", "passed"]

    def get_queryset(self):
        return attempts_visible_to(self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=PracticeAttemptCreateSerializer, responses={201: PracticeAttemptSerializer})
    def create(self, request, *args, **kwargs):
        body = PracticeAttemptCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assignment = assignments_visible_to(request.user).filter(pk=body.validated_data["assignment"]).first()
        if assignment is None:
            raise serializers.ValidationError({"assignment": "Unknown assignment."})
        item = assignment.module.practice_items.filter(pk=body.validated_data["item"]).first()
        if item is None:
            raise serializers.ValidationError({"item": _("Not a practice item of this module.")})
        attempt = services.practice_submit(
            actor=request.user, assignment=assignment, item=item, reply=body.validated_data["reply"]
        )
        return Response(PracticeAttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


# --- sessions ---------------------------------------------------------------------------------


class CoachingSessionSerializer(serializers.ModelSerializer):
    agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    calls = serializers.PrimaryKeyRelatedField(many=True, queryset=Call.objects.all(), required=False)
    flags = serializers.PrimaryKeyRelatedField(many=True, queryset=Flag.objects.all(), required=False)
    held_on = PlausibleDateField()
    follow_up_on = PlausibleDateField(required=False, allow_null=True)

    class Meta:
        model = CoachingSession
        fields = [
            "id",
            "agent",
            "coach",
            "held_on",
            "calls",
            "flags",
            "notes",
            "agreed_actions",
            "follow_up_on",
            "created_at",
        ]
        read_only_fields = ["coach", "created_at"]


class CoachingSessionViewSet(viewsets.ModelViewSet):
    queryset = CoachingSession.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = CoachingSessionSerializer
    filterset_fields = ["agent", "coach"]

    def get_queryset(self):
        return sessions_visible_to(self.request.user).order_by("-held_on", "-id")

    def _save(self, serializer, session: CoachingSession | None) -> None:
        _coach_only(self.request.user)
        data = dict(serializer.validated_data)
        calls = data.pop("calls", None)
        flags = data.pop("flags", None)
        serializer.instance = services.session_save(
            actor=self.request.user,
            session=session,
            changes=data,
            call_ids=None if calls is None else [c.pk for c in calls],
            flag_ids=None if flags is None else [f.pk for f in flags],
        )

    def perform_create(self, serializer):
        self._save(serializer, None)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    def perform_destroy(self, instance):
        _coach_only(self.request.user)
        if not can_coach_agent(self.request.user, instance.agent):
            raise PermissionDenied()
        instance.delete()


# --- suggestions ------------------------------------------------------------------------------


class SuggestionSerializer(serializers.ModelSerializer):
    module_title = serializers.CharField(source="module.title", read_only=True)
    example_flags = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Suggestion
        fields = [
            "id",
            "agent",
            "module",
            "module_title",
            "category",
            "rate",
            "flag_count",
            "call_count",
            "period_start",
            "period_end",
            "example_flags",
            "status",
            "assignment",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class SuggestionApproveSerializer(serializers.Serializer):
    due_date = PlausibleDateField(required=False)


class SuggestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Modules suggested from flag rates: coaches approve (→ an assignment) or ignore them."""

    queryset = Suggestion.objects.none()  # for the schema; get_queryset scopes to the user
    serializer_class = SuggestionSerializer
    filterset_fields = ["agent", "module", "status", "category"]

    def get_queryset(self):
        return suggestions_visible_to(self.request.user).order_by("-rate", "id")

    @extend_schema(request=SuggestionApproveSerializer, responses={201: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        body = SuggestionApproveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        assignment = services.suggestion_approve(
            actor=request.user, suggestion=self.get_object(), due_date=body.validated_data.get("due_date")
        )
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SuggestionSerializer)
    @action(detail=True, methods=["post"])
    def ignore(self, request, pk=None):
        suggestion = services.suggestion_ignore(actor=request.user, suggestion=self.get_object())
        return Response(SuggestionSerializer(suggestion).data)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=False, methods=["post"])
    def refresh(self, request):
        _coach_only(request.user)
        return Response({"refreshed": len(services.coaching_suggestions_refresh())})


router.register("coaching/modules", ModuleViewSet, basename="coaching-module")
router.register("coaching/assignments", AssignmentViewSet, basename="coaching-assignment")
router.register("coaching/practice", PracticeAttemptViewSet, basename="coaching-practice")
router.register("coaching/sessions", CoachingSessionViewSet, basename="coaching-session")
router.register("coaching/suggestions", SuggestionViewSet, basename="coaching-suggestion")
