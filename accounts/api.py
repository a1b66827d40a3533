from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from .models import Team, User
from .scoping import teams_visible_to, users_visible_to


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "supervisors", "trainers", "channel_layout"]


class UserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "role", "team", "daily_call_target"]


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TeamSerializer
    ordering_fields = ["name", "id"]
    filterset_fields = []

    def get_queryset(self):
        return teams_visible_to(self.request.user).prefetch_related("supervisors", "trainers")


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = UserSerializer
    ordering_fields = ["username", "display_name", "id"]
    filterset_fields = ["role", "team"]

    def get_queryset(self):
        return users_visible_to(self.request.user).order_by("id")


@extend_schema(responses=UserSerializer)
@api_view(["GET"])
def me(request):
    return Response(UserSerializer(request.user).data)
