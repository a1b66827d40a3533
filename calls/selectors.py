"""Reads shared by the web views and the API. Scope first, then filter."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.scoping import team_ids_visible_to

from .models import Call, Campaign, Category, Flag, Recording, ReviewStatus, Segment, Speaker

# --- what counts against an agent ------------------------------------------------------------------
# The one definition, used by every rate, dashboard, "moments to improve", export, coaching
# suggestion and before/after effect: a flag counts against an agent only if the agent said it
# and no reviewer dismissed it. A customer's swearing is the customer's (shown as context, and as
# abuse where it is aimed at the agent); a mono segment of unknown speaker is nobody's.
AGENT_FLAGS = Q(speaker=Speaker.AGENT) & ~Q(category=Category.ABUSE) & ~Q(review_status=ReviewStatus.DISMISSED)


def agent_said(flag: Flag) -> bool:
    """The agent's own words, whatever a reviewer made of them: AGENT_FLAGS but for the review
    status. The customer's words (abuse, their profanity) and a mono call's unattributed lines
    are not."""
    return flag.speaker == Speaker.AGENT and flag.category != Category.ABUSE


def counts_against_agent(flag: Flag) -> bool:
    """AGENT_FLAGS for one flag in memory."""
    return agent_said(flag) and flag.review_status != ReviewStatus.DISMISSED


def agent_flags(flags: QuerySet[Flag]) -> QuerySet[Flag]:
    return flags.filter(AGENT_FLAGS)


def per_100_calls(flags: int, analysed_calls: int) -> float | None:
    """An agent's (or team's) rate: flags per 100 analysed calls; None without analysed calls."""
    return round(100 * flags / analysed_calls, 1) if analysed_calls else None


def scope_to_user(queryset: QuerySet, user: User, call_path: str = "") -> QuerySet:
    """Keep the rows whose call the user may read; `call_path` leads from the row to its call."""
    if user.is_agent:
        return queryset.filter(**{f"{call_path}agent": user})
    team_ids = team_ids_visible_to(user)
    return queryset if team_ids is None else queryset.filter(**{f"{call_path}team_id__in": team_ids})


def calls_visible_to(user: User) -> QuerySet[Call]:
    return scope_to_user(Call.objects.select_related("agent", "team", "campaign"), user)


def recordings_visible_to(user: User) -> QuerySet[Recording]:
    return scope_to_user(Recording.objects.select_related("call"), user, "call__")


def call_segments(call: Call) -> QuerySet[Segment]:
    return Segment.objects.filter(call=call).order_by("start", "transcript_id", "index")


def campaigns_visible_to(user: User) -> QuerySet[Campaign]:
    """Active campaigns a user may pick: every team's shared ones and those of the teams they see."""
    campaigns = Campaign.objects.filter(is_active=True)
    team_ids = team_ids_visible_to(user)
    return campaigns if team_ids is None else campaigns.filter(Q(team__isnull=True) | Q(team_id__in=team_ids))


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


@dataclass(frozen=True)
class DailyProgress:
    done: int
    target: int

    @property
    def percent(self) -> int:
        if not self.target:
            return 100
        return min(100, round(100 * self.done / self.target))

    @property
    def remaining(self) -> int:
        return max(self.target - self.done, 0)


def agent_daily_progress(agent: User, day: date | None = None) -> DailyProgress:
    start, end = local_day_bounds(day or timezone.localdate())
    done = Call.objects.filter(agent=agent, started_at__gte=start, started_at__lt=end).count()
    return DailyProgress(done=done, target=agent.daily_call_target)


def agent_recent_calls(agent: User, limit: int = 10) -> QuerySet[Call]:
    return Call.objects.filter(agent=agent).select_related("campaign")[:limit]
