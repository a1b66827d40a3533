from rest_framework import serializers

from accounts.models import Role
from accounts.scoping import users_visible_to
from calls.models import Call
from calls.selectors import campaigns_visible_to
from calls.validators import validate_phone, validate_started_at
from mot_coach.dates import PlausibleDateTimeField


class ScopedAgentField(serializers.PrimaryKeyRelatedField):
    """An agent id the requesting user can see; any other id reads as "does not exist"."""

    def get_queryset(self):
        request = self.context["request"]
        return users_visible_to(request.user).filter(role=Role.AGENT)


class ScopedCampaignField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return campaigns_visible_to(self.context["request"].user)


class CallSerializer(serializers.ModelSerializer):
    agent = ScopedAgentField(required=False)
    agent_name = serializers.CharField(source="agent.__str__", read_only=True)
    # allow_null, not default=None: a default is skipped in a PATCH answer (DRF's partial updates),
    # and the schema would type it as a non-null string.
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True)
    campaign = ScopedCampaignField(required=False, allow_null=True)
    campaign_name = serializers.CharField(source="campaign.name", read_only=True, allow_null=True)
    customer_phone = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=20,
        validators=[validate_phone],
        help_text="Write only: reads return customer_phone_masked.",
    )
    customer_phone_masked = serializers.CharField(read_only=True)
    # Optional: a new call starts now (see services.call_create); an update keeps its time.
    started_at = PlausibleDateTimeField(required=False, validators=[validate_started_at])

    class Meta:
        model = Call
        fields = [
            "id",
            "agent",
            "agent_name",
            "team",
            "team_name",
            "direction",
            "customer_name",
            "customer_phone",
            "customer_phone_masked",
            "campaign",
            "campaign_name",
            "purpose",
            "started_at",
            "duration_seconds",
            "outcome",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["team", "created_at", "updated_at"]
