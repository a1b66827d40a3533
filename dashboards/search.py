"""Transcript and flag search, scoped to what the user may read.

Phrase search goes through dashboards.SegmentIndex (Kiwi lemmas + surface words): each word of the
query must be the prefix of a term, so "담당" finds "담당이" and "담당자는". PostgreSQL answers it
from a GIN index on to_tsvector('simple', terms) with prefix tsqueries; SQLite with LIKE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django import forms
from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.scoping import teams_visible_to, users_visible_to
from calls.models import Category, Direction, Flag, Outcome, ReviewStatus, Segment, Severity
from calls.selectors import local_day_bounds, scope_to_user
from mot_coach.dates import validate_plausible_date

from .models import SegmentIndex
from .services import query_terms

PAGE_SIZE = 50


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Phrase"), required=False, max_length=100)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[("", "—"), *Category.choices])
    severity = forms.ChoiceField(label=_("Severity"), required=False, choices=[("", "—"), *Severity.choices])
    review = forms.ChoiceField(label=_("Review"), required=False, choices=[("", "—"), *ReviewStatus.choices])
    team = forms.ModelChoiceField(label=_("Team"), required=False, queryset=None)
    agent = forms.ModelChoiceField(label=_("Agent"), required=False, queryset=None)
    started_from = forms.DateField(
        label=_("From"),
        required=False,
        validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    started_to = forms.DateField(
        label=_("To"),
        required=False,
        validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    direction = forms.ChoiceField(label=_("Direction"), required=False, choices=[("", "—"), *Direction.choices])
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[("", "—"), *Outcome.choices])
    flagged = forms.BooleanField(label=_("Flagged only"), required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams_visible_to(user)
        self.fields["agent"].queryset = users_visible_to(user).filter(role=Role.AGENT)


@dataclass
class SearchResults:
    mode: str  # "segments", "flags" or "" (nothing asked)
    rows: list
    terms: list[str]
    has_next: bool
    page: int


def _filter_common(qs: QuerySet, data: dict, *, time_field: str, call_path: str) -> QuerySet:
    if data.get("team"):
        qs = qs.filter(team_id=data["team"].pk)
    if data.get("agent"):
        qs = qs.filter(agent_id=data["agent"].pk)
    if data.get("started_from"):
        qs = qs.filter(**{f"{time_field}__gte": local_day_bounds(data["started_from"])[0]})
    if data.get("started_to"):
        qs = qs.filter(**{f"{time_field}__lt": local_day_bounds(data["started_to"])[1]})
    if data.get("direction"):
        qs = qs.filter(**{f"{call_path}direction": data["direction"]})
    if data.get("outcome"):
        qs = qs.filter(**{f"{call_path}outcome": data["outcome"]})
    return qs


def _scoped_index(user: User) -> QuerySet[SegmentIndex]:
    # SegmentIndex carries agent and team itself, so scoping needs no join to the call.
    return scope_to_user(SegmentIndex.objects.all(), user)


def _match_terms(qs: QuerySet, terms: list[str]) -> QuerySet:
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{t}:*" for t in terms)
        return qs.extra(where=["to_tsvector('simple', terms) @@ to_tsquery('simple', %s)"], params=[tsquery])
    for term in terms:
        qs = qs.filter(terms__contains=" " + term)
    return qs


def search(user: User, data: dict, page: int = 1) -> SearchResults:
    page = max(1, page)
    offset = (page - 1) * PAGE_SIZE
    terms = query_terms(data.get("q") or "")
    if terms:
        qs = _match_terms(_scoped_index(user), terms)
        qs = _filter_common(qs, data, time_field="call_started_at", call_path="call__")
        if data.get("category") or data.get("flagged") or data.get("severity") or data.get("review"):
            flags = Flag.objects.filter(segment_id=OuterRef("segment_id"))
            if data.get("category"):
                flags = flags.filter(category=data["category"])
            if data.get("severity"):
                flags = flags.filter(severity=data["severity"])
            if data.get("review"):
                flags = flags.filter(review_status=data["review"])
            qs = qs.filter(Exists(flags))
        ids = list(
            qs.order_by("-call_started_at", "-segment_id").values_list("segment_id", flat=True)[
                offset : offset + PAGE_SIZE + 1
            ]
        )
        segments = {
            s.pk: s for s in Segment.objects.filter(pk__in=ids[:PAGE_SIZE]).select_related("call", "call__agent")
        }
        rows = [segments[i] for i in ids[:PAGE_SIZE] if i in segments]
        for segment in rows:
            segment.parts = highlight(segment.text, terms)
        return SearchResults("segments", rows, terms, len(ids) > PAGE_SIZE, page)
    if not any(data.get(k) for k in ("category", "severity", "review", "flagged", "agent", "team")):
        return SearchResults("", [], [], False, page)
    qs = scope_to_user(Flag.objects.all(), user)
    qs = _filter_common(qs, data, time_field="call_started_at", call_path="call__")
    if data.get("category"):
        qs = qs.filter(category=data["category"])
    elif data.get("flagged"):
        from calls.selectors import AGENT_FLAGS

        qs = qs.filter(AGENT_FLAGS)
    if data.get("severity"):
        qs = qs.filter(severity=data["severity"])
    if data.get("review"):
        qs = qs.filter(review_status=data["review"])
    rows = list(
        qs.select_related("segment", "call", "agent").order_by("-call_started_at", "-id")[
            offset : offset + PAGE_SIZE + 1
        ]
    )
    return SearchResults("flags", rows[:PAGE_SIZE], [], len(rows) > PAGE_SIZE, page)


def highlight(text: str, terms: list[str]) -> list[tuple[str, bool]]:
    """Split text into (piece, matched) where a matched piece is a word holding a search term."""
    parts: list[tuple[str, bool]] = []
    for piece in re.split(r"(\s+)", text):
        low = piece.lower()
        parts.append((piece, bool(piece.strip()) and any(t in low for t in terms)))
    return parts
