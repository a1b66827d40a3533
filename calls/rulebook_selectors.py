"""Reads behind the rulebook screen: the rules with their figures, a version's diff against the
current text, and trying a pattern out on examples and recent transcripts before it is saved."""

from __future__ import annotations

import difflib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from tone import Analyzer, PatternError, RuleSpec, compile_pattern, get_kiwi, morph
from tone.rules import example_speaker

from .models import Category, ReviewStatus, Rule, RuleSpeaker, RuleVersion, Segment, Severity
from .rulebook import RULE_FIELDS, message_text
from .selectors import scope_to_user

HIT_WINDOWS = (30, 90)  # days of flags counted on the list
LIVE_TEST_SEGMENTS = 2000  # the most recent segments a live test reads
LIVE_TEST_SAMPLES = 10
LIVE_TEST_DAYS = (7, 30, 90)


def can_view_rulebook(user: User) -> bool:
    """Supervisors, trainers and admins read the rulebook screen; agents do not (trainers and
    admins edit it: calls.rulebook.can_edit_rules)."""
    return user.is_authenticated and not user.is_agent


# --- the list ------------------------------------------------------------------------------


@dataclass
class RuleRow:
    rule: Rule
    confirmed: int = 0
    dismissed: int = 0
    unreviewed: int = 0
    hits: dict[int, int] = field(default_factory=dict)  # days -> flags of calls in the last `days`

    @property
    def precision_percent(self) -> int | None:
        reviewed = self.confirmed + self.dismissed
        return round(100 * self.confirmed / reviewed) if reviewed else None

    @property
    def hits_30(self) -> int:
        return self.hits.get(30, 0)

    @property
    def hits_90(self) -> int:
        return self.hits.get(90, 0)


def rules_filtered(*, category: str = "", active: bool | None = None, q: str = "") -> QuerySet[Rule]:
    rules = Rule.objects.select_related("updated_by").order_by("category", "code")
    if category:
        rules = rules.filter(category=category)
    if active is not None:
        rules = rules.filter(is_active=active)
    q = (q or "").strip()
    if q:
        rules = rules.filter(Q(code__icontains=q) | Q(explanation__icontains=q))
    return rules


def rule_rows(user: User, rules: QuerySet[Rule] | Sequence[Rule]) -> list[RuleRow]:
    """Each rule with its reviewers' verdicts and recent hits among the flags `user` may see.

    Two queries whatever the number of rules: the rules, and one aggregate over the flags grouped
    by rule code (flags keep their code when a rule is edited, and older flags have no rule id).
    """
    from .models import Flag

    rules = list(rules)
    codes = [rule.code for rule in rules]
    now = timezone.now()
    aggregates: dict[str, Any] = {
        "confirmed": Count("id", filter=Q(review_status=ReviewStatus.CONFIRMED)),
        "dismissed": Count("id", filter=Q(review_status=ReviewStatus.DISMISSED)),
        "unreviewed": Count("id", filter=Q(review_status=ReviewStatus.UNREVIEWED)),
    }
    for days in HIT_WINDOWS:
        aggregates[f"hits_{days}"] = Count("id", filter=Q(call_started_at__gte=now - timedelta(days=days)))
    stats = {}
    if codes:
        flags = scope_to_user(Flag.objects.filter(rule_code__in=codes), user, "call__")
        stats = {row["rule_code"]: row for row in flags.order_by().values("rule_code").annotate(**aggregates)}
    rows = []
    for rule in rules:
        row = stats.get(rule.code, {})
        rows.append(
            RuleRow(
                rule=rule,
                confirmed=row.get("confirmed", 0),
                dismissed=row.get("dismissed", 0),
                unreviewed=row.get("unreviewed", 0),
                hits={days: row.get(f"hits_{days}", 0) for days in HIT_WINDOWS},
            )
        )
    return rows


# --- versions ------------------------------------------------------------------------------


def rule_versions(rule: Rule) -> QuerySet[RuleVersion]:
    return rule.versions.select_related("changed_by").order_by("-version")


@dataclass
class FieldDiff:
    """One field that differs between an older version and the current rule.

    kind 'value': `old` → `new` (labels). kind 'text': `chunks` of (op, text) with op 'equal',
    'delete' or 'insert', word by word. kind 'list': `chunks` of (op, item), item by item.
    """

    name: str
    label: str
    kind: str
    old: str = ""
    new: str = ""
    chunks: list[tuple[str, str]] = field(default_factory=list)


_CHOICE_LABELS = {"category": Category, "severity": Severity, "speaker": RuleSpeaker}
_TEXT_FIELDS = ("pattern", "explanation", "suggestion")
_LIST_FIELDS = ("must_match", "must_not_match")


def _value_label(name: str, value: Any) -> str:
    if name in _CHOICE_LABELS:
        choices = dict(_CHOICE_LABELS[name].choices)
        return str(choices.get(value, value))
    if name == "is_active":
        return _("Active") if value else _("Off")
    return "" if value is None else str(value)


def _word_chunks(old: str, new: str) -> list[tuple[str, str]]:
    # words with the spaces between them, so the diff reads as text and keeps its spacing
    a, b = re.findall(r"\s+|\S+", old), re.findall(r"\s+|\S+", new)
    chunks: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            chunks.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            chunks.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            chunks.append(("insert", "".join(b[j1:j2])))
    return chunks


def _list_chunks(old: Sequence[str], new: Sequence[str]) -> list[tuple[str, str]]:
    chunks: list[tuple[str, str]] = []
    old, new = list(old or ()), list(new or ())
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            chunks.extend(("equal", item) for item in old[i1:i2])
            continue
        chunks.extend(("delete", item) for item in old[i1:i2])
        chunks.extend(("insert", item) for item in new[j1:j2])
    return chunks


def rule_version_diff(rule: Rule, version: RuleVersion) -> list[FieldDiff]:
    """What changed from `version` to the rule as it is now, field by field (unchanged fields left out)."""
    diffs = []
    for name in RULE_FIELDS:
        old, new = version.snapshot.get(name), getattr(rule, name)
        if name in _LIST_FIELDS:
            old, new = list(old or ()), list(new or ())
        if old == new:
            continue
        label = str(Rule._meta.get_field(name).verbose_name)
        if name in _TEXT_FIELDS:
            diffs.append(FieldDiff(name, label, "text", chunks=_word_chunks(str(old or ""), str(new or ""))))
        elif name in _LIST_FIELDS:
            diffs.append(FieldDiff(name, label, "list", chunks=_list_chunks(old, new)))
        else:
            diffs.append(FieldDiff(name, label, "value", old=_value_label(name, old), new=_value_label(name, new)))
    return diffs


# --- live test -----------------------------------------------------------------------------


class LiveTestError(ValueError):
    """The pattern (or the draft around it) cannot be tried; the message is for the user."""

    def __init__(self, message: str, field: str = "pattern"):
        super().__init__(message)
        self.field = field


# Kiwi takes ~1.5 ms a segment: trying a pattern on 2,000 segments at every pause in typing
# would take seconds each time. Tokenised segments are kept per process (keyed by id and text,
# so an edited or re-masked segment is tokenised again); matching on them takes milliseconds.
_UTTERANCE_CACHE_SIZE = 6000
_utterances: OrderedDict[tuple[int, str], morph.Utterance] = OrderedDict()
_utterances_lock = threading.Lock()


def _segment_utterances(segments: Sequence[tuple[int, str]]) -> list[morph.Utterance]:
    with _utterances_lock:
        found = {key: _utterances.get(key) for key in segments}
    missing = [key for key, utt in found.items() if utt is None]
    if missing:
        for key, utt in zip(missing, morph.analyse_many([text for _, text in missing], get_kiwi()), strict=True):
            found[key] = utt
    with _utterances_lock:
        for key in segments:
            _utterances[key] = found[key]
            _utterances.move_to_end(key)
        while len(_utterances) > _UTTERANCE_CACHE_SIZE:
            _utterances.popitem(last=False)
    return [found[key] for key in segments]


def live_test_segments(user: User, *, speaker: str, days: int, limit: int = LIVE_TEST_SEGMENTS) -> QuerySet[Segment]:
    """The most recent segments `user` may see that a rule for `speaker` would be run on."""
    since = timezone.now() - timedelta(days=days)
    segments = scope_to_user(Segment.objects.filter(call__started_at__gte=since), user, "call__")
    if speaker != RuleSpeaker.ANY:
        segments = segments.filter(speaker=speaker)  # 'any' rules run on every line, mono included
    return segments.order_by("-call__started_at", "-call_id", "-index")[:limit]


def _spans(text: str, hits) -> list[dict[str, Any]]:
    """The text cut into plain and matched parts, for the page to highlight."""
    parts, pos = [], 0
    for start, end in sorted({(h.start, h.end) for h in hits}):
        start = max(start, pos)
        if start >= end:
            continue
        if start > pos:
            parts.append({"text": text[pos:start], "hit": False})
        parts.append({"text": text[start:end], "hit": True})
        pos = end
    if pos < len(text):
        parts.append({"text": text[pos:], "hit": False})
    return parts


def rule_live_test(
    user: User,
    *,
    pattern: str,
    speaker: str,
    must_match: Sequence[str] = (),
    must_not_match: Sequence[str] = (),
    days: int = 30,
    limit: int = LIVE_TEST_SEGMENTS,
) -> dict[str, Any]:
    """Try a draft pattern: on its examples (as saving would check them) and on the recent
    segments `user` may see (masked text). Raises LiveTestError for a pattern that does not compile."""
    if speaker not in RuleSpeaker.values:
        raise LiveTestError(_("Choose who the rule listens to."), field="speaker")
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        raise LiveTestError(
            _("The pattern does not compile: %(error)s") % {"error": message_text(exc.message)}
        ) from None
    # A stand-in rule: only the pattern and the speaker decide what matches.
    spec = RuleSpec(
        code="live-test", category="profanity", severity="low", speaker=speaker, pattern=pattern, explanation="-"
    )
    analyzer = Analyzer([spec], kiwi=get_kiwi())
    examples = []
    example_as = example_speaker(spec)
    texts = [(text, True) for text in must_match if text.strip()] + [(t, False) for t in must_not_match if t.strip()]
    utterances = morph.analyse_many([text for text, _ in texts], get_kiwi()) if texts else []
    for (text, expected), utt in zip(texts, utterances, strict=True):
        hits = analyzer.rule_hits(utt, example_as)
        examples.append(
            {
                "text": text,
                "must_match": expected,
                "matched": bool(hits),
                "ok": bool(hits) == expected,
                "parts": _spans(text, hits),
            }
        )
    rows = list(
        live_test_segments(user, speaker=speaker, days=days, limit=limit).values_list(
            "id", "call_id", "speaker", "text"
        )
    )
    utterances = _segment_utterances([(segment_id, text) for segment_id, _, _, text in rows])
    hits_total, samples = 0, []
    for (segment_id, call_id, segment_speaker, text), utt in zip(rows, utterances, strict=True):
        hits = analyzer.rule_hits(utt, segment_speaker)
        if not hits:
            continue
        hits_total += 1
        if len(samples) < LIVE_TEST_SAMPLES:
            samples.append(
                {"segment": segment_id, "call": call_id, "speaker": segment_speaker, "parts": _spans(text, hits)}
            )
    return {
        "ok": True,
        "examples": examples,
        "examples_ok": all(example["ok"] for example in examples),
        "recent": {"days": days, "segments": len(rows), "limit": limit, "hits": hits_total, "samples": samples},
    }
