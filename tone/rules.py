"""Rule data (RuleSpec), flags (FlagHit), validation and the shipped starter rulebook."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .messages import Message, gettext_noop

CATEGORIES = ("banmal", "dismissive", "blame", "sarcasm", "profanity", "abuse")
AGENT_CATEGORIES = ("banmal", "dismissive", "blame", "sarcasm")
SEVERITIES = ("low", "medium", "high")
SPEAKERS = ("agent", "customer", "any")
STARTER_RULES_PATH = Path(__file__).with_name("starter_rules.json")


@dataclass(frozen=True)
class RuleSpec:
    code: str
    category: str
    severity: str
    speaker: str
    pattern: str
    explanation: str
    suggestion: str = ""
    must_match: tuple[str, ...] = ()
    must_not_match: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RuleSpec:
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown rule fields: {', '.join(sorted(unknown))}")
        kw = dict(data)
        for key in ("must_match", "must_not_match"):
            kw[key] = tuple(kw.get(key, ()))
        return cls(**kw)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["must_match"] = list(self.must_match)
        d["must_not_match"] = list(self.must_not_match)
        return d


@dataclass(frozen=True)
class FlagHit:
    category: str
    severity: str
    start: int
    end: int
    rule: str
    explanation: str
    suggestion: str
    score: float | None = None  # the model's probability, where a model took part

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def example_speaker(spec: RuleSpec) -> str:
    """The speaker whose lines the rule's examples are: 'any' rules are tried as the agent."""
    return "customer" if spec.speaker == "customer" else "agent"


def validate_rule(spec: RuleSpec, kiwi: Any = None) -> list[Message]:
    """Compile the pattern and check the examples; an empty list means the rule is valid.

    Each problem is a Message (an English str) that names the field it is about, for the app to
    translate and show beside that field.
    """
    from .engine import Analyzer  # engine imports this module
    from .patterns import PatternError, compile_pattern

    errors: list[Message] = []
    if not spec.code or not spec.code.strip():
        errors.append(Message(gettext_noop("code is empty"), field="code"))
    if spec.category not in CATEGORIES:
        errors.append(
            Message(
                gettext_noop("category {value!r} is not one of {choices}"),
                field="category",
                value=spec.category,
                choices=", ".join(CATEGORIES),
            )
        )
    if spec.severity not in SEVERITIES:
        errors.append(
            Message(
                gettext_noop("severity {value!r} is not one of {choices}"),
                field="severity",
                value=spec.severity,
                choices=", ".join(SEVERITIES),
            )
        )
    if spec.speaker not in SPEAKERS:
        errors.append(
            Message(
                gettext_noop("speaker {value!r} is not one of {choices}"),
                field="speaker",
                value=spec.speaker,
                choices=", ".join(SPEAKERS),
            )
        )
    if spec.category in AGENT_CATEGORIES and spec.speaker == "customer":
        errors.append(
            Message(
                gettext_noop("category {category} applies to agents only, not speaker 'customer'"),
                field="speaker",
                category=spec.category,
            )
        )
    if spec.category == "abuse" and spec.speaker == "agent":
        errors.append(
            Message(
                gettext_noop("category abuse is customer abuse of the agent; use speaker 'customer'"), field="speaker"
            )
        )
    if not spec.explanation.strip():
        errors.append(Message(gettext_noop("explanation is empty"), field="explanation"))
    try:
        compile_pattern(spec.pattern)
    except PatternError as e:
        errors.append(Message(gettext_noop("pattern does not compile: {error}"), field="pattern", error=e.message))
        return errors
    if errors:
        return errors
    analyzer = Analyzer([spec], kiwi=kiwi)
    speaker = example_speaker(spec)
    for text in spec.must_match:
        if not any(h.rule == spec.code for h in analyzer.analyze(text, speaker)):
            errors.append(
                Message(gettext_noop("must_match example does not match: {text!r}"), field="must_match", text=text)
            )
    for text in spec.must_not_match:
        hits = [h for h in analyzer.analyze(text, speaker) if h.rule == spec.code]
        if hits:
            errors.append(
                Message(
                    gettext_noop("must_not_match example matches at {fragment!r}: {text!r}"),
                    field="must_not_match",
                    fragment=text[hits[0].start : hits[0].end],
                    text=text,
                )
            )
    return errors


def load_starter_rules(path: Path | str | None = None) -> list[RuleSpec]:
    data = json.loads(Path(path or STARTER_RULES_PATH).read_text(encoding="utf-8"))
    rules = data["rules"] if isinstance(data, dict) else data
    return [RuleSpec.from_dict(r) for r in rules]
