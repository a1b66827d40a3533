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


def rule_errors(rule: Rule) -> list[str]:
    """What is wrong with the rule as it stands: the pattern, and each example that misbehaves."""
    return validate_rule(rule.to_spec())


def _snapshot(rule: Rule) -> dict[str, Any]:
    return {field: getattr(rule, field) for field in RULE_FIELDS}


@transaction.atomic
def rule_save(*, actor: User | None, rule: Rule, changes: dict[str, Any] | None = None) -> Rule:
    """Create or change a rule. Refused (ValidationError) unless its pattern and examples check out."""
    if actor is not None and not can_edit_rules(actor):
        raise PermissionDenied(_("Only trainers and administrators may change the rulebook."))
    for field, value in (changes or {}).items():
        if field not in RULE_FIELDS:
            raise ValueError(f"not a rule field: {field}")
        setattr(rule, field, value)
    rule.full_clean()
    errors = rule_errors(rule)
    if errors:
        raise ValidationError({"pattern": errors})
    if rule.pk:
        previous = Rule.objects.select_for_update().get(pk=rule.pk)
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
