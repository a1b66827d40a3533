"""Every write of the QA app: scorecards, evaluations, sampling, calibration, acknowledgements
and disputes. Each checks its own permission (PermissionDenied) and input (ValidationError)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from calls.models import Call, CallAnalysis, Flag, Notification, ReviewStatus, Severity
from calls.notifications import notification_create
from calls.review import flag_review
from calls.selectors import AGENT_FLAGS, counts_against_agent

from .models import (
    Acknowledgement,
    Answer,
    AutoSource,
    Calibration,
    Criterion,
    Dispute,
    DisputeMessage,
    DisputeStatus,
    Evaluation,
    EvaluationStatus,
    QueueItem,
    SamplingRule,
    Scorecard,
    Section,
)
from .policies import can_decide_dispute, can_edit_scorecards, can_evaluate_call, can_manage_sampling
from .scoring import NA, NO, YES, allowed_values, score_compute

# --- scorecards -------------------------------------------------------------------------------


def _criterion_check(data: dict) -> None:
    source, key = data.get("auto_source") or "", data.get("auto_key") or ""
    from calls.models import Category, ChecklistItem

    if source == AutoSource.CHECKLIST and key not in ChecklistItem.values:
        raise ValidationError({"auto_key": _("Pick the MOT checklist item this criterion is answered from.")})
    if source == AutoSource.NO_FLAG and key not in Category.values:
        raise ValidationError({"auto_key": _("Pick the flag category this criterion is answered from.")})
    if data.get("is_fail") and data.get("answer_type", "yes_no") != "yes_no":
        raise ValidationError({"is_fail": _("A criterion that fails the call is answered yes or no.")})
    if not (data.get("text") or "").strip():
        raise ValidationError({"text": _("Write the question.")})


_CRITERION_FIELDS = ("text", "guidance", "answer_type", "weight", "allow_na", "is_fail", "auto_source", "auto_key")


def _sections_check(name: str, sections: list[dict]) -> None:
    """Every problem at once, keyed by where it is: "name", "sections",
    "sections.<i>.criteria.<j>.<field>" (so a form can show each beside its field)."""
    errors: dict[str, list] = {}
    if not (name or "").strip():
        errors["name"] = [_("Give the scorecard a name.")]
    if not any(section.get("criteria") for section in sections):
        errors["sections"] = [_("A scorecard needs at least one criterion.")]
    for s_index, spec in enumerate(sections):
        for c_index, data in enumerate(spec.get("criteria") or ()):
            try:
                _criterion_check(data)
            except ValidationError as exc:
                for field, messages_ in exc.message_dict.items():
                    errors[f"sections.{s_index}.criteria.{c_index}.{field}"] = messages_
    if errors:
        raise ValidationError(errors)


def _sections_write(scorecard: Scorecard, sections: list[dict]) -> None:
    for s_order, spec in enumerate(sections):
        section = Section.objects.create(scorecard=scorecard, title=spec.get("title") or "—", order=s_order)
        for c_order, data in enumerate(spec.get("criteria") or ()):
            Criterion.objects.create(
                scorecard=scorecard,
                section=section,
                order=c_order,
                **{k: data[k] for k in _CRITERION_FIELDS if k in data and data[k] is not None},
            )


def scorecard_create(
    *,
    actor: User | None,
    name: str,
    sections: list[dict],
    description: str = "",
    team=None,
    previous: Scorecard | None = None,
    version: int = 1,
) -> Scorecard:
    """A scorecard from `sections`: [{"title", "criteria": [{"text", "weight", "answer_type", ...}]}]."""
    if actor is not None and not can_edit_scorecards(actor):
        raise PermissionDenied(_("Only trainers and admins define scorecards."))
    _sections_check(name, sections)
    with transaction.atomic():
        scorecard = Scorecard.objects.create(
            name=name.strip(), description=description, team=team, created_by=actor, previous=previous, version=version
        )
        _sections_write(scorecard, sections)
    return scorecard


def scorecard_as_spec(scorecard: Scorecard) -> list[dict]:
    spec = []
    for section in scorecard.sections.prefetch_related("criteria"):
        spec.append(
            {
                "title": section.title,
                "criteria": [
                    {
                        "text": c.text,
                        "guidance": c.guidance,
                        "answer_type": c.answer_type,
                        "weight": c.weight,
                        "allow_na": c.allow_na,
                        "is_fail": c.is_fail,
                        "auto_source": c.auto_source,
                        "auto_key": c.auto_key,
                    }
                    for c in section.criteria.all()
                ],
            }
        )
    return spec


_UNCHANGED = object()


def scorecard_new_version(
    *,
    actor: User,
    scorecard: Scorecard,
    sections: list[dict] | None = None,
    name: str | None = None,
    description: str | None = None,
    team=_UNCHANGED,
) -> Scorecard:
    """The way to change a used scorecard: a copy (or `sections`, and a new name, description or
    team) as version + 1; the old one retires."""
    if not can_edit_scorecards(actor):
        raise PermissionDenied(_("Only trainers and admins define scorecards."))
    if hasattr(scorecard, "next_version"):
        raise ValidationError(_("This scorecard already has a newer version."))
    with transaction.atomic():
        Scorecard.objects.filter(pk=scorecard.pk).update(is_active=False)
        return scorecard_create(
            actor=actor,
            name=name or scorecard.name,
            description=scorecard.description if description is None else description,
            team=scorecard.team if team is _UNCHANGED else team,
            sections=sections if sections is not None else scorecard_as_spec(scorecard),
            previous=scorecard,
            version=scorecard.version + 1,
        )


def scorecard_update(*, actor: User, scorecard: Scorecard, changes: dict) -> Scorecard:
    """Name, description, team, active, and `sections` (the questions, replaced whole) while no
    evaluation has used it; once one has, nothing but `is_active` changes (a new version does)."""
    if not can_edit_scorecards(actor):
        raise PermissionDenied(_("Only trainers and admins define scorecards."))
    with transaction.atomic():
        # Two editors of one scorecard queue up here. An evaluation started meanwhile holds its
        # answers' criteria (PROTECT): replacing them then fails and nothing changes.
        Scorecard.objects.select_for_update().filter(pk=scorecard.pk).first()
        if scorecard.is_frozen and set(changes) - {"is_active"}:
            raise ValidationError(_("This scorecard has been used and is frozen: make a new version to change it."))
        if "sections" in changes:
            _sections_check(changes.get("name", scorecard.name), changes["sections"])
        elif "name" in changes and not (changes["name"] or "").strip():
            raise ValidationError({"name": _("Give the scorecard a name.")})
        for key in ("name", "description", "team", "is_active"):
            if key in changes:
                setattr(scorecard, key, changes[key].strip() if key == "name" else changes[key])
        scorecard.save()
        if "sections" in changes:
            scorecard.sections.all().delete()  # criteria go with their sections (no answers: not frozen)
            _sections_write(scorecard, changes["sections"])
    return scorecard


# --- evaluations ------------------------------------------------------------------------------


def auto_answers(call: Call, criteria: list[Criterion]) -> dict[int, str]:
    """What the call's analysis says for the criteria answered from it (nothing without one)."""
    analysis = CallAnalysis.objects.filter(call=call).first()
    if analysis is None:
        return {}
    checklist = {item.get("item"): item.get("status") for item in analysis.checklist or ()}
    flagged = set(Flag.objects.filter(AGENT_FLAGS, call=call).values_list("category", flat=True))
    answers = {}
    for criterion in criteria:
        if criterion.auto_source == AutoSource.CHECKLIST:
            status = checklist.get(criterion.auto_key)
            if status == "found":
                value = YES
            elif status == "missing":
                value = NO
            elif status == "not_applicable":
                value = NA if criterion.allow_na and not criterion.is_fail else YES
            else:
                continue
        elif criterion.auto_source == AutoSource.NO_FLAG:
            value = NO if criterion.auto_key in flagged else YES
        else:
            continue
        if criterion.answer_type == "scale":
            value = {YES: "5", NO: "1"}.get(value, value)
        answers[criterion.pk] = value
    return answers


def _notify_agent_of(evaluation: Evaluation, params: dict) -> None:
    notification_create(
        recipient=evaluation.agent,
        kind=Notification.Kind.EVALUATION,
        params=params,
        call=evaluation.call,
        link=reverse("qa:evaluation", args=[evaluation.pk]),
    )


def evaluation_start(
    *, actor: User, call: Call, scorecard: Scorecard, calibration: Calibration | None = None
) -> Evaluation:
    """The actor's draft evaluation of the call (their existing one if they started it already),
    with the criteria the analysis can answer filled in."""
    if not can_evaluate_call(actor, call):
        raise PermissionDenied(_("You may not evaluate this call."))
    if calibration is not None:
        if not calibration.participants.filter(pk=actor.pk).exists():
            raise PermissionDenied(_("You are not a participant of this calibration."))
        if calibration.closed_at is not None:
            raise ValidationError(_("This calibration session is closed."))
        scorecard, call = calibration.scorecard, calibration.call
    elif not scorecard.is_active or (scorecard.team_id and scorecard.team_id != call.team_id):
        raise ValidationError({"scorecard": _("This scorecard is not in use for this call's team.")})
    existing = Evaluation.objects.filter(call=call, evaluator=actor, calibration=calibration).first()
    if existing:
        return existing
    criteria = list(scorecard.criteria.all())
    suggested = auto_answers(call, criteria)
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                call=call,
                scorecard=scorecard,
                evaluator=actor,
                agent_id=call.agent_id,
                team_id=call.team_id,
                call_started_at=call.started_at,
                calibration=calibration,
            )
            Answer.objects.bulk_create(
                Answer(
                    evaluation=evaluation,
                    criterion=c,
                    value=suggested.get(c.pk, ""),
                    auto_value=suggested.get(c.pk, ""),
                )
                for c in criteria
            )
            _rescore(evaluation)
    except IntegrityError:  # started twice at once: the other request's draft is the one
        return Evaluation.objects.get(call=call, evaluator=actor, calibration=calibration)
    return evaluation


def _rescore(evaluation: Evaluation) -> None:
    answers = evaluation.answers.select_related("criterion")
    evaluation.score, evaluation.failed = score_compute((a.criterion, a.value) for a in answers)
    evaluation.save(update_fields=["score", "failed", "updated_at"])


def evaluation_save(
    *, actor: User, evaluation: Evaluation, answers: dict[int, dict], comment: str | None = None
) -> Evaluation:
    """Store answers {criterion_id: {"value": ..., "comment": ...}} and the overall comment."""
    if evaluation.evaluator_id != actor.pk:
        raise PermissionDenied(_("Only the evaluator changes an evaluation."))
    if not evaluation.is_editable:
        raise ValidationError(_("This evaluation is submitted; it can be changed only after a dispute is overturned."))
    with transaction.atomic():
        rows = {a.criterion_id: a for a in evaluation.answers.select_for_update().select_related("criterion")}
        errors = {}
        for criterion_id, data in answers.items():
            answer = rows.get(int(criterion_id))
            if answer is None:
                errors[str(criterion_id)] = _("Not a criterion of this scorecard.")
                continue
            if "value" in data:
                value = (data.get("value") or "").strip()
                if value and value not in allowed_values(answer.criterion):
                    errors[str(criterion_id)] = _("“%(value)s” is not an answer to “%(question)s”.") % {
                        "value": value,
                        "question": answer.criterion.text,
                    }
                    continue
                answer.value = value
            if "comment" in data:
                answer.comment = (data.get("comment") or "").strip()[:2000]
            answer.save(update_fields=["value", "comment"])
        if errors:
            raise ValidationError(errors)
        if comment is not None:
            evaluation.comment = comment.strip()[:5000]
            evaluation.save(update_fields=["comment", "updated_at"])
        _rescore(evaluation)
    return evaluation


def evaluation_submit(*, actor: User, evaluation: Evaluation) -> Evaluation:
    """Submit a draft (or a revision after an overturned dispute); every criterion must be answered."""
    if evaluation.evaluator_id != actor.pk:
        raise PermissionDenied(_("Only the evaluator submits an evaluation."))
    if not evaluation.is_editable:
        raise ValidationError(_("This evaluation is already submitted."))
    missing = [a.criterion.text for a in evaluation.answers.select_related("criterion") if not a.value]
    if missing:
        raise ValidationError(_("Answer every criterion first: %(missing)s") % {"missing": ", ".join(missing)})
    revision = evaluation.is_submitted
    now = timezone.now()
    with transaction.atomic():
        _rescore(evaluation)
        evaluation.status = EvaluationStatus.SUBMITTED
        if revision:
            evaluation.revision_open, evaluation.revised_at = False, now
        else:
            evaluation.submitted_at = now
        evaluation.save(update_fields=["status", "revision_open", "revised_at", "submitted_at", "updated_at"])
        if evaluation.calibration_id is None:
            QueueItem.objects.filter(call=evaluation.call, done_at__isnull=True).filter(
                Q(evaluator=actor) | Q(evaluator__isnull=True)
            ).update(done_at=now, evaluation=evaluation)
            if revision:
                params = {"event": "revised", "score": evaluation.score}
            else:
                params = {"event": "submitted", "evaluator": str(actor), "score": evaluation.score}
            _notify_agent_of(evaluation, params)
    return evaluation


# --- sampling ---------------------------------------------------------------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_bounds(week: date) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00, Seoul time."""
    tz = timezone.get_current_timezone()
    start = datetime.combine(week_start(week), time.min, tzinfo=tz)
    return start, start + timedelta(days=7)


def _sample_rule(rule: SamplingRule, week: date) -> list[QueueItem]:
    start, end = week_bounds(week)
    calls = (
        Call.objects.filter(team_id=rule.team_id, started_at__gte=start, started_at__lt=end)
        .exclude(evaluations__status=EvaluationStatus.SUBMITTED, evaluations__calibration__isnull=True)
        .order_by("id")
    )
    queued = set(QueueItem.objects.filter(rule=rule).values_list("call_id", flat=True))
    if rule.kind == SamplingRule.Kind.HIGH_SEVERITY:
        flagged = Flag.objects.filter(AGENT_FLAGS, call_id=OuterRef("pk"), severity=Severity.HIGH)
        picked = [
            (call_id, agent_id)
            for call_id, agent_id in calls.filter(Exists(flagged)).values_list("id", "agent_id")
            if call_id not in queued
        ]
    else:
        per_agent: dict[int, list[int]] = defaultdict(list)
        for call_id, agent_id in calls.filter(analysis__isnull=False).values_list("id", "agent_id"):
            per_agent[agent_id].append(call_id)
        already: dict[int, int] = defaultdict(int)
        for agent_id in QueueItem.objects.filter(rule=rule, week=week).values_list("agent_id", flat=True):
            already[agent_id] += 1
        picked = []
        for agent_id, call_ids in sorted(per_agent.items()):
            candidates = [c for c in call_ids if c not in queued]
            wanted = min(rule.count - already[agent_id], len(candidates))
            if wanted <= 0:
                continue
            # Seeded by rule, week and agent: the same run picks the same calls.
            rng = random.Random(f"{rule.pk}:{week.isoformat()}:{agent_id}")
            picked.extend((call_id, agent_id) for call_id in sorted(rng.sample(candidates, wanted)))
    # No reason text is stored: the page says why from the rule, in the reader's language.
    return [
        QueueItem(
            call_id=call_id,
            agent_id=agent_id,
            team_id=rule.team_id,
            scorecard_id=rule.scorecard_id,
            evaluator_id=rule.evaluator_id,
            rule=rule,
            week=week,
        )
        for call_id, agent_id in picked
    ]


def sampling_run(*, week: date, rules: QuerySet[SamplingRule] | None = None) -> int:
    """Sample the week (Seoul time, Monday to Sunday) into the queues; returns how many calls
    were added. Running the same week again adds nothing: a rule samples a call once and tops
    an agent up to n per week at most."""
    week = week_start(week)
    rules = (SamplingRule.objects.all() if rules is None else rules).filter(is_active=True)
    added = 0
    for rule_id in rules.values_list("id", flat=True):
        with transaction.atomic():
            # One sampler per rule at a time; a concurrent run waits and then finds it done.
            rule = SamplingRule.objects.select_for_update().filter(pk=rule_id).first()
            if rule is None:
                continue
            items = _sample_rule(rule, week)
            before = QueueItem.objects.filter(rule=rule).count()
            QueueItem.objects.bulk_create(items, ignore_conflicts=True)
            added += QueueItem.objects.filter(rule=rule).count() - before
    return added


def sampling_rule_create(
    *, actor: User, team, kind: str, scorecard: Scorecard, count: int = 2, evaluator: User | None = None
) -> SamplingRule:
    if not can_manage_sampling(actor, team.pk):
        raise PermissionDenied(_("You may not set up sampling for this team."))
    if kind not in SamplingRule.Kind.values:
        raise ValidationError({"kind": _("Unknown sampling rule.")})
    if scorecard.team_id and scorecard.team_id != team.pk:
        raise ValidationError({"scorecard": _("This scorecard is not in use for this call's team.")})
    if evaluator is not None and not can_manage_sampling(evaluator, team.pk):
        raise ValidationError({"evaluator": _("This evaluator cannot see the team's calls.")})
    if not 1 <= count <= 50:
        raise ValidationError({"count": _("Between 1 and 50 calls per agent per week.")})
    return SamplingRule.objects.create(
        team=team, kind=kind, scorecard=scorecard, count=count, evaluator=evaluator, created_by=actor
    )


# --- calibration ------------------------------------------------------------------------------


def calibration_create(
    *, actor: User, call: Call, scorecard: Scorecard, participants: list[User], title: str = ""
) -> Calibration:
    if not can_evaluate_call(actor, call):
        raise PermissionDenied(_("You may not evaluate this call."))
    if len({p.pk for p in participants}) < 2:
        raise ValidationError({"participants": _("A calibration needs at least two evaluators.")})
    outsiders = [str(p) for p in participants if not can_evaluate_call(p, call)]
    if outsiders:
        raise ValidationError(
            {"participants": _("Cannot evaluate this call: %(names)s") % {"names": ", ".join(outsiders)}}
        )
    if not scorecard.is_active or (scorecard.team_id and scorecard.team_id != call.team_id):
        raise ValidationError({"scorecard": _("This scorecard is not in use for this call's team.")})
    with transaction.atomic():
        calibration = Calibration.objects.create(
            title=(title or "").strip() or _("Calibration of call #%(id)s") % {"id": call.pk},
            call=call,
            scorecard=scorecard,
            created_by=actor,
        )
        calibration.participants.set(participants)
        for person in participants:
            if person.pk != actor.pk:
                notification_create(
                    recipient=person,
                    kind=Notification.Kind.EVALUATION,
                    params={"event": "calibration", "actor": str(actor), "call": call.pk},
                    call=call,
                    link=reverse("qa:calibration", args=[calibration.pk]),
                )
    return calibration


def calibration_close(*, actor: User, calibration: Calibration) -> Calibration:
    if not (calibration.created_by_id == actor.pk or actor.is_admin_role):
        raise PermissionDenied(_("Only whoever started the calibration closes it."))
    calibration.closed_at = calibration.closed_at or timezone.now()
    calibration.save(update_fields=["closed_at"])
    return calibration


# --- acknowledgements and disputes ------------------------------------------------------------


def _own_target(actor: User, evaluation: Evaluation | None, flag: Flag | None) -> Call:
    if (evaluation is None) == (flag is None):
        raise ValidationError(_("Pick one evaluation or one flag."))
    if evaluation is not None:
        if evaluation.agent_id != actor.pk or not evaluation.is_submitted or evaluation.calibration_id:
            raise PermissionDenied(_("Only the agent evaluated may answer an evaluation."))
        return evaluation.call
    if flag.agent_id != actor.pk or not counts_against_agent(flag):
        raise PermissionDenied(_("Only the agent who said it may answer a flag."))
    return flag.call


def acknowledgement_create(
    *, actor: User, evaluation: Evaluation | None = None, flag: Flag | None = None
) -> Acknowledgement:
    _own_target(actor, evaluation, flag)
    with transaction.atomic():
        ack, _created = Acknowledgement.objects.get_or_create(
            evaluation=evaluation, flag=flag, defaults={"agent": actor}
        )
        if evaluation is not None and evaluation.acknowledged_at is None:
            Evaluation.objects.filter(pk=evaluation.pk).update(acknowledged_at=ack.created_at)
    return ack


def dispute_reviewers(dispute: Dispute) -> list[User]:
    """Who hears of a dispute: the team's supervisors and, for an evaluation, its evaluator."""
    people = {u.pk: u for u in dispute.team.supervisors.all()} if dispute.team_id else {}
    if dispute.evaluation_id:
        people.setdefault(dispute.evaluation.evaluator_id, dispute.evaluation.evaluator)
    people.pop(dispute.raised_by_id, None)
    return list(people.values())


def _dispute_link(dispute: Dispute) -> str:
    return reverse("qa:dispute", args=[dispute.pk])


def dispute_create(
    *, actor: User, reason: str, evaluation: Evaluation | None = None, flag: Flag | None = None
) -> Dispute:
    call = _own_target(actor, evaluation, flag)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you disagree.")})
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                raised_by=actor, call=call, team_id=call.team_id, evaluation=evaluation, flag=flag, reason=reason[:5000]
            )
            params = {
                "agent": str(actor),
                "target": "evaluation" if evaluation is not None else "flag",
                "call": call.pk,
                "reason": reason[:120],
            }
            for person in dispute_reviewers(dispute):
                notification_create(
                    recipient=person,
                    kind=Notification.Kind.DISPUTE,
                    params=params,
                    call=call,
                    link=_dispute_link(dispute),
                )
    except IntegrityError:
        raise ValidationError(_("There is already an open dispute about this.")) from None
    return dispute


def dispute_reply(*, actor: User, dispute: Dispute, text: str) -> DisputeMessage:
    is_agent = dispute.raised_by_id == actor.pk
    if not (is_agent or can_decide_dispute(actor, dispute)):
        raise PermissionDenied(_("You may not answer this dispute."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a message.")})
    with transaction.atomic():
        # Read again under a lock: a decision taken meanwhile closes the thread.
        dispute = (
            Dispute.objects.select_for_update(of=("self",))
            .select_related("call", "raised_by", "team")
            .get(pk=dispute.pk)
        )
        if not dispute.is_open:
            raise ValidationError(_("This dispute is closed."))
        message = DisputeMessage.objects.create(dispute=dispute, author=actor, text=text[:5000])
        recipients = dispute_reviewers(dispute) if is_agent else [dispute.raised_by]
        for person in recipients:
            if person.pk == actor.pk:
                continue
            notification_create(
                recipient=person,
                kind=Notification.Kind.DISPUTE_REPLY,
                params={"event": "reply", "author": str(actor), "call": dispute.call_id, "text": text[:120]},
                call=dispute.call,
                link=_dispute_link(dispute),
            )
    return message


def dispute_decide(*, actor: User, dispute: Dispute, outcome: str, note: str) -> Dispute:
    """Upheld: the evaluation or flag stands. Overturned: the flag is dismissed (so every count
    drops it), or the evaluation opens for the evaluator to revise."""
    if not can_decide_dispute(actor, dispute):
        raise PermissionDenied(_("You may not decide this dispute."))
    if outcome not in (DisputeStatus.UPHELD, DisputeStatus.OVERTURNED):
        raise ValidationError({"outcome": _("Choose upheld or overturned.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Tell the agent why.")})
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if not dispute.is_open:
            raise ValidationError(_("This dispute is closed."))
        if outcome == DisputeStatus.OVERTURNED:
            if dispute.flag_id:
                flag_review(
                    actor=actor,
                    flag=dispute.flag,
                    status=ReviewStatus.DISMISSED,
                    reason=_("Dispute overturned: %(note)s") % {"note": note},
                    notify=False,  # the agent hears of the decision below, once
                )
            else:
                Evaluation.objects.filter(pk=dispute.evaluation_id).update(revision_open=True)
                evaluator = dispute.evaluation.evaluator
                if evaluator.pk != actor.pk:
                    notification_create(
                        recipient=evaluator,
                        kind=Notification.Kind.DISPUTE_REPLY,
                        params={"event": "revise", "call": dispute.call_id},
                        call=dispute.call,
                        link=reverse("qa:evaluation", args=[dispute.evaluation_id]),
                    )
        dispute.status = outcome
        dispute.decided_by, dispute.decided_at, dispute.decision_note = actor, timezone.now(), note[:5000]
        dispute.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        notification_create(
            recipient=dispute.raised_by,
            kind=Notification.Kind.DISPUTE_REPLY,
            params={"event": "decided", "call": dispute.call_id, "outcome": outcome, "note": note[:120]},
            call=dispute.call,
            link=_dispute_link(dispute),
        )
    return dispute
