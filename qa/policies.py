"""Who may do what in QA. Reading is decided by qa.selectors (scope first)."""

from accounts.models import Role, User
from accounts.scoping import team_ids_managed_by, team_ids_visible_to
from calls.models import Call
from calls.review import can_review_call

from .models import Calibration, Dispute, EvaluationStatus


def can_evaluate(user: User) -> bool:
    """Supervisors, trainers and admins evaluate calls; agents never do."""
    return (
        user.is_authenticated
        and not user.is_agent
        and (user.is_superuser or user.role in (Role.SUPERVISOR, Role.TRAINER, Role.ADMIN))
    )


def can_evaluate_call(user: User, call: Call) -> bool:
    """An evaluator who may see the call (the team they lead or coach, or every team)."""
    return can_evaluate(user) and can_review_call(user, call)


def can_edit_scorecards(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in (Role.TRAINER, Role.ADMIN))


def can_manage_sampling(user: User, team_id: int) -> bool:
    if not can_evaluate(user):
        return False
    team_ids = team_ids_visible_to(user)
    return team_ids is None or team_id in team_ids


def can_decide_dispute(user: User, dispute: Dispute) -> bool:
    """A supervisor of the call's team, an admin, or the evaluator of a disputed evaluation."""
    if not user.is_authenticated or user.is_agent:
        return False
    managed = team_ids_managed_by(user)
    if managed is None or dispute.team_id in managed:
        return True
    evaluation = dispute.evaluation
    return evaluation is not None and evaluation.evaluator_id == user.pk and can_review_call(user, dispute.call)


def can_see_calibration_results(user: User, calibration: Calibration) -> bool:
    """Blind until submitted: a participant sees the others once their own is in; a facilitator
    who is not a participant sees the spread as it fills; everyone in scope once it is closed."""
    if not can_evaluate_call(user, calibration.call):
        return False
    if calibration.closed_at is not None:
        return True
    if not calibration.participants.filter(pk=user.pk).exists():
        return True
    return calibration.evaluations.filter(evaluator=user, status=EvaluationStatus.SUBMITTED).exists()
