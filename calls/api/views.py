from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets

from calls import services
from calls.filters import CallFilter
from calls.policies import can_change_call, can_log_calls
from calls.selectors import calls_visible_to

from .serializers import CallSerializer


class CallPermission(permissions.IsAuthenticated):
    """Checked before the body is read, so a forbidden write is a 403 whatever it contains."""

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method == "POST":
            return can_log_calls(request.user) and not self._agent_names_someone_else(request)
        return True

    @staticmethod
    def _agent_names_someone_else(request) -> bool:
        # Agents own their calls: the owning agent is a field they may not set to anyone else.
        user = request.user
        if request.method in permissions.SAFE_METHODS or not user.is_agent:
            return False
        agent = request.data.get("agent") if hasattr(request.data, "get") else None
        return agent not in (None, "") and str(agent) != str(user.pk)

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_change_call(request.user, obj) and not self._agent_names_someone_else(request)


@extend_schema_view(
    list=extend_schema(summary="Calls you may see, filtered and paginated"),
    create=extend_schema(summary="Log a call (agents for themselves, supervisors for their teams)"),
)
class CallViewSet(viewsets.ModelViewSet):
    serializer_class = CallSerializer
    permission_classes = [CallPermission]
    filterset_class = CallFilter
    ordering_fields = ["started_at", "duration_seconds", "outcome", "agent", "id"]
    ordering = ["-started_at", "-id"]

    def get_queryset(self):
        return calls_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.call_create(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.call_update(
            actor=self.request.user, call=serializer.instance, changes=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.call_delete(actor=self.request.user, call=instance)
