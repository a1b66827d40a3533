"""The tone rulebook in the database: saving rules (validated, versioned) and the analyser built
from it, cached per process and rebuilt when any rule changes."""

import hashlib
import threading
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User
from tone import Analyzer, get_kiwi, load_starter_rules, validate_rule

from .models import Rule, RuleVersion

RULE_FIELDS = (
    "code",
    "category",
    "severity",
    "speaker",
    "pattern",
    "explanation",
    "suggestion",
    "must_match",
    "must_not_match",
    "is_active",
)


def can_edit_rules(user: User) -> bool:
    return user.is_superuser or user.role in (Role.ADMIN, Role.TRAINER)


def message_text(message: str) -> str:
    """A tone.messages.Message in the user's language (its values, messages too, translated alike)."""
    template = getattr(message, "template", None)
    if template is None:
        return str(message)
    params = {key: message_text(value) if isinstance(value, str) else value for key, value in message.params.items()}
    translated = _(template)
    return translated.format(**params) if params else translated


def rule_field_errors(rule: Rule) -> dict[str, list[str]]:
    """What is wrong with the rule as it stands, by field, in the user's language."""
    errors: dict[str, list[str]] = {}
    for problem in validate_rule(rule.to_spec(), kiwi=get_kiwi()):
        errors.setdefault(getattr(problem, "field", "") or "pattern", []).append(message_text(problem))
    return errors


def rule_errors(rule: Rule) -> list[str]:
    """What is wrong with the rule as it stands: the pattern, and each example that misbehaves."""
    return [error for errors in rule_field_errors(rule).values() for error in errors]


def _snapshot(rule: Rule) -> dict[str, Any]:
    return {field: getattr(rule, field) for field in RULE_FIELDS}


@transaction.atomic
def rule_save(
    *, actor: User | None, rule: Rule, changes: dict[str, Any] | None = None, expected_version: int | None = None
) -> Rule:
    """Create or change a rule. Refused (ValidationError) unless its pattern and examples check out.

    `expected_version`: the version the editor started from; if someone saved another since, the
    edit is refused rather than silently overwriting theirs.
    """
    _check_editor(actor)
    for field, value in (changes or {}).items():
        if field not in RULE_FIELDS:
            raise ValueError(f"not a rule field: {field}")
        setattr(rule, field, value)
    errors: dict[str, list[str]] = {}
    try:
        rule.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
    for field, problems in rule_field_errors(rule).items():
        errors.setdefault(field, problems)  # the model's own word on a field (blank, taken) comes first
    if errors:
        raise ValidationError(errors)
    return _commit(actor=actor, rule=rule, expected_version=expected_version)


@transaction.atomic
def rule_set_active(*, actor: User | None, rule: Rule, is_active: bool) -> Rule:
    """Switch a rule on (checked like any edit) or off (always allowed: a misfiring rule must be
    stoppable even if its examples no longer pass). Either way a new version."""
    if is_active:
        return rule_save(actor=actor, rule=rule, changes={"is_active": True})
    _check_editor(actor)
    rule.is_active = False
    return _commit(actor=actor, rule=rule)


def _check_editor(actor: User | None) -> None:
    if actor is not None and not can_edit_rules(actor):
        raise PermissionDenied(_("Only trainers and administrators may change the rulebook."))


def _commit(*, actor: User | None, rule: Rule, expected_version: int | None = None) -> Rule:
    """Store the rule as a new version (nothing, if nothing changed), inside the caller's transaction."""
    if rule.pk:
        previous = Rule.objects.select_for_update().get(pk=rule.pk)
        if expected_version is not None and previous.version != expected_version:
            raise ValidationError(
                _("Someone saved version %(version)s of this rule while you were editing. Reload it and edit again.")
                % {"version": previous.version}
            )
        if _snapshot(previous) == _snapshot(rule):
            return previous
        rule.version = previous.version + 1
    rule.updated_by = actor
    rule.save()
    RuleVersion.objects.create(rule=rule, version=rule.version, snapshot=_snapshot(rule), changed_by=actor)
    return rule


def rulebook_load_starter(*, replace: bool = False) -> int:
    """Add the shipped starter rules that are missing (or, with replace, reset them). Returns the count."""
    count = 0
    for spec in load_starter_rules():
        existing = Rule.objects.filter(code=spec.code).first()
        if existing and not replace:
            continue
        rule = existing or Rule(code=spec.code)
        values = spec.to_dict()
        values["must_match"] = list(values.get("must_match", ()))
        values["must_not_match"] = list(values.get("must_not_match", ()))
        rule_save(actor=None, rule=rule, changes={k: v for k, v in values.items() if k in RULE_FIELDS})
        count += 1
    return count


# --- the analyser, cached per process --------------------------------------------------------

_lock = threading.Lock()
_cached: tuple[str, Analyzer] | None = None


def rulebook_key() -> str:
    """Changes whenever a rule is added, removed, switched on or off, or edited (its version)."""
    rows = Rule.objects.filter(is_active=True).order_by("id").values_list("id", "version")
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:16]


def get_analyzer() -> tuple[str, Analyzer]:
    """The analyser for the current rulebook and tone model, and its key; rebuilt only when either changed."""
    from .tone_models import active_model, active_model_digest

    global _cached
    key = f"{rulebook_key()}:{active_model_digest()}"  # '' after the colon: rules alone
    cached = _cached
    if cached and cached[0] == key:
        return cached
    with _lock:
        if _cached and _cached[0] == key:
            return _cached
        specs = [rule.to_spec() for rule in Rule.objects.filter(is_active=True).order_by("id")]
        _digest, model = active_model()
        _cached = (key, Analyzer(specs, kiwi=get_kiwi(), model=model))
        return _cached
