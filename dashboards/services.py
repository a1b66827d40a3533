"""Writes of the dashboards app: the transcript search index."""

import re
from collections.abc import Iterable

from django.db import transaction

from calls.models import Call, Segment

from .models import SegmentIndex

# Content morphemes: nouns, verbs/adjectives (as stems), adverbs, roots, foreign words, numbers.
_CONTENT_TAG = re.compile(r"^(N|V|M|XR|SL|SH|SN)")
_NOT_WORD = re.compile(r"[^\w]+")


def _clean(token: str) -> str:
    return _NOT_WORD.sub("", token).lower()


def text_terms(texts: Iterable[str]) -> list[str]:
    """The search terms of each text: surface words and Kiwi lemmas, as ' term term ... '."""
    from tone.morph import get_kiwi, normalize_form

    texts = list(texts)
    if not texts:
        return []
    results = get_kiwi().tokenize(texts)
    out = []
    for text, tokens in zip(texts, results, strict=True):
        terms: list[str] = []
        for word in text.split():
            cleaned = _clean(word)
            if cleaned:
                terms.append(cleaned)
        for token in tokens:
            if _CONTENT_TAG.match(token.tag):
                cleaned = _clean(normalize_form(token.form, token.tag))
                if cleaned:
                    terms.append(cleaned)
        out.append(" " + " ".join(dict.fromkeys(terms)) + " ")
    return out


def query_terms(query: str) -> list[str]:
    """What a search must find: the content lemmas of each word typed (담당이 → 담당)."""
    from tone.morph import get_kiwi, normalize_form

    terms: list[str] = []
    for word in query.split()[:8]:
        tokens = [_clean(normalize_form(t.form, t.tag)) for t in get_kiwi().tokenize(word) if _CONTENT_TAG.match(t.tag)]
        tokens = [t for t in tokens if t]
        terms.extend(tokens[:2] or ([_clean(word)] if _clean(word) else []))
    return list(dict.fromkeys(terms))


def call_index(call_id: int) -> int:
    """(Re)build the search index rows of a call's segments. Running it twice changes nothing."""
    call = Call.objects.filter(pk=call_id).first()
    if call is None:
        return 0
    segments = list(Segment.objects.filter(call=call).only("id", "text"))
    terms = text_terms(s.text for s in segments)
    rows = [
        SegmentIndex(
            segment_id=s.pk,
            call_id=call.pk,
            agent_id=call.agent_id,
            team_id=call.team_id,
            call_started_at=call.started_at,
            terms=t,
        )
        for s, t in zip(segments, terms, strict=True)
    ]
    with transaction.atomic():
        # Two analyses of one call at once (a re-analysis racing the pipeline) take turns on the
        # call's row; the upsert keeps a row that slipped in regardless from breaking the key.
        if not Call.objects.select_for_update().filter(pk=call_id).exists():
            return 0
        SegmentIndex.objects.filter(call=call).exclude(segment_id__in=[s.pk for s in segments]).delete()
        SegmentIndex.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["segment"],
            update_fields=["call", "agent", "team", "call_started_at", "terms"],
        )
    return len(rows)
