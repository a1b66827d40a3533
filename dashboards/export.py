"""Export of calls with their metrics and flags, as CSV (streamed) or XLSX (openpyxl, write-only).

Rows are read in chunks of call ids, and each chunk's flags and analyses in one query each, so
memory stays flat and the number of queries grows with the chunks, not the rows.
"""

from __future__ import annotations

import csv
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator

from django.db.models import QuerySet

from calls.models import CallAnalysis, Category, Flag
from calls.selectors import counts_against_agent
from pii import mask_pii

CHUNK = 2000
AGENT_SIDE = [c for c in Category.values if c != Category.ABUSE]
XLSX_MAX_ROWS = 200_000

HEADER = [
    "call_id",
    "started_at",
    "agent",
    "team",
    "direction",
    "outcome",
    "campaign",
    "duration_seconds",
    "talk_listen_ratio",
    "agent_talk_share",
    "longest_agent_monologue_seconds",
    "dead_air_total_seconds",
    "overtalk_seconds",
    "checklist_found",
    "checklist_missing",
    # what the agent said (calls.selectors.AGENT_FLAGS), then what the customer said
    "agent_flag_count",
    *[f"agent_flags_{c}" for c in AGENT_SIDE],
    "customer_abuse",
    "customer_profanity",
    "flags",
]


def export_rows(calls: QuerySet) -> Iterator[list]:
    yield HEADER
    ids = list(calls.order_by("started_at", "id").values_list("id", flat=True))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        by_id = {c.pk: c for c in calls.model.objects.filter(pk__in=chunk).select_related("agent", "team", "campaign")}
        analyses = {a.call_id: a for a in CallAnalysis.objects.filter(call_id__in=chunk)}
        flags: dict[int, list] = defaultdict(list)
        for row in (
            Flag.objects.filter(call_id__in=chunk)
            .order_by("call_id", "id")
            .values_list("call_id", "category", "severity", "excerpt", "review_status", "speaker")
        ):
            flags[row[0]].append(row[1:])
        for call_id in chunk:
            call = by_id.get(call_id)
            if call is None:
                continue
            analysis = analyses.get(call_id)
            metrics = analysis.metrics if analysis else {}
            checklist = analysis.checklist if analysis else []
            call_flags = flags.get(call_id, [])
            agent_side = Counter(
                cat
                for cat, _sev, _excerpt, status, speaker in call_flags
                if _counts_against_agent(cat, status, speaker)
            )
            customer = Counter(cat for cat, _sev, _excerpt, _status, speaker in call_flags if speaker == "customer")
            overtalk = metrics.get("overtalk") or {}
            yield [
                call.pk,
                call.started_at.isoformat(),
                str(call.agent),
                str(call.team or ""),
                call.direction,
                call.outcome,
                str(call.campaign or mask_pii(call.purpose or "")[0]),
                call.duration_seconds,
                metrics.get("talk_listen_ratio"),
                metrics.get("agent_talk_share"),
                metrics.get("longest_agent_monologue_seconds"),
                metrics.get("dead_air_total_seconds"),
                overtalk.get("seconds") if isinstance(overtalk, dict) else None,
                " ".join(i["item"] for i in checklist if i.get("status") == "found"),
                " ".join(i["item"] for i in checklist if i.get("status") == "missing"),
                sum(agent_side.values()),
                *[agent_side.get(c, 0) for c in AGENT_SIDE],
                customer.get(Category.ABUSE, 0),
                customer.get(Category.PROFANITY, 0),
                " | ".join(
                    f"{speaker}/{cat}/{sev}/{status}: {excerpt}" for cat, sev, excerpt, status, speaker in call_flags
                ),
            ]


def _counts_against_agent(category: str, review_status: str, speaker: str) -> bool:
    return counts_against_agent(Flag(category=category, review_status=review_status, speaker=speaker))


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(calls: QuerySet) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # so that Excel opens the UTF-8 (Korean) text correctly
    for row in export_rows(calls):
        yield writer.writerow(["" if v is None else v for v in row])


def xlsx_file(calls: QuerySet):
    """A temporary file holding the workbook; the caller streams it and it goes away when closed."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("calls")
    for n, row in enumerate(export_rows(calls)):
        if n > XLSX_MAX_ROWS:
            break
        sheet.append(row)
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    return handle
