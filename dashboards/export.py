"""Export of calls with their metrics and flags, as CSV (streamed) or XLSX (openpyxl, write-only).

For people, in the user's language: headers and codes (direction, outcome, checklist, flags) as
display labels, times in Seoul to the second. COLUMN_KEYS gives the stable key of each column.

Rows are read in chunks of call ids, and each chunk's flags and analyses in one query each, so
memory stays flat and the number of queries grows with the chunks, not the rows.
"""

from __future__ import annotations

import csv
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from calls.models import (
    CallAnalysis,
    Category,
    ChecklistItem,
    Direction,
    Flag,
    Outcome,
    ReviewStatus,
    Severity,
    Speaker,
)
from calls.selectors import counts_against_agent
from pii import mask_pii

CHUNK = 2000
AGENT_SIDE = [c for c in Category.values if c != Category.ABUSE]
XLSX_MAX_ROWS = 200_000
DATETIME_XLSX_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _agent_flags_label(category: str):
    return format_lazy(_("Agent flags: {}"), Category(category).label)


# (stable key, header in the user's language, column width in XLSX). The keys are the column order
# of every row; the headers are what people read (Korean by default, English if they chose it).
COLUMNS = [
    ("call_id", _("Call ID"), 9),
    ("started_at", _("Started at (Seoul)"), 19),
    ("agent", _("Agent"), 14),
    ("team", _("Team"), 18),
    ("direction", _("Direction"), 11),
    ("outcome", _("Outcome"), 14),
    ("campaign", _("Campaign / purpose"), 22),
    ("duration_seconds", _("Duration (s)"), 10),
    ("talk_listen_ratio", _("Talk/listen ratio"), 10),
    ("agent_talk_share", _("Agent talk share"), 10),
    ("longest_agent_monologue_seconds", _("Longest agent monologue (s)"), 12),
    ("dead_air_total_seconds", _("Dead air (s)"), 10),
    ("overtalk_seconds", _("Overtalk (s)"), 10),
    ("checklist_found", _("Checklist found"), 30),
    ("checklist_missing", _("Checklist missing"), 30),
    # what the agent said (calls.selectors.AGENT_FLAGS), then what the customer said
    ("agent_flag_count", _("Agent flags"), 10),
    *[(f"agent_flags_{c}", _agent_flags_label(c), 12) for c in AGENT_SIDE],
    ("customer_abuse", _("Customer abuse"), 10),
    ("customer_profanity", _("Customer profanity"), 10),
    ("flags", _("Flags"), 60),
]
COLUMN_KEYS = [key for key, _label, _width in COLUMNS]


@dataclass(frozen=True)
class _Labels:
    """Every display label, resolved once in the language of the request that asked for the export
    (a streamed body is written after the view returns, when no language may be active)."""

    header: list[str]
    choices: dict[str, dict[str, str]]

    @classmethod
    def current(cls) -> _Labels:
        return cls(
            header=[str(label) for _key, label, _width in COLUMNS],
            choices={
                name: {value: str(label) for value, label in choices}
                for name, choices in (
                    ("direction", Direction.choices),
                    ("outcome", Outcome.choices),
                    ("category", Category.choices),
                    ("severity", Severity.choices),
                    ("review", ReviewStatus.choices),
                    ("speaker", Speaker.choices),
                    ("checklist", ChecklistItem.choices),
                )
            },
        )

    def of(self, kind: str, value: str) -> str:
        return self.choices[kind].get(value, value)


def _local(moment: datetime) -> datetime:
    """Seoul wall time, to the second, without tzinfo (a spreadsheet cell has no time zone)."""
    return timezone.localtime(moment).replace(microsecond=0, tzinfo=None)


def export_rows(calls: QuerySet, labels: _Labels | None = None) -> Iterator[list]:
    """The header, then one row per call; started_at is a naive Seoul datetime (see _local)."""
    labels = labels or _Labels.current()
    yield labels.header
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
                _local(call.started_at),
                str(call.agent),
                str(call.team or ""),
                labels.of("direction", call.direction),
                labels.of("outcome", call.outcome),
                str(call.campaign or mask_pii(call.purpose or "")[0]),
                call.duration_seconds,
                metrics.get("talk_listen_ratio"),
                metrics.get("agent_talk_share"),
                metrics.get("longest_agent_monologue_seconds"),
                metrics.get("dead_air_total_seconds"),
                overtalk.get("seconds") if isinstance(overtalk, dict) else None,
                ", ".join(labels.of("checklist", i["item"]) for i in checklist if i.get("status") == "found"),
                ", ".join(labels.of("checklist", i["item"]) for i in checklist if i.get("status") == "missing"),
                sum(agent_side.values()),
                *[agent_side.get(c, 0) for c in AGENT_SIDE],
                customer.get(Category.ABUSE, 0),
                customer.get(Category.PROFANITY, 0),
                " | ".join(
                    f"{labels.of('speaker', speaker)} · {labels.of('category', cat)} · {labels.of('severity', sev)}"
                    f" · {labels.of('review', status)}: {excerpt}"
                    for cat, sev, excerpt, status, speaker in call_flags
                ),
            ]


def _counts_against_agent(category: str, review_status: str, speaker: str) -> bool:
    return counts_against_agent(Flag(category=category, review_status=review_status, speaker=speaker))


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return value


def csv_stream(calls: QuerySet) -> Iterator[str]:
    """UTF-8 with a byte-order mark, so that Excel opens the Korean text correctly."""
    return _csv_lines(calls, _Labels.current())


def _csv_lines(calls: QuerySet, labels: _Labels) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in export_rows(calls, labels):
        yield writer.writerow([_csv_value(v) for v in row])


def xlsx_file(calls: QuerySet):
    """A temporary file holding the workbook; the caller streams it and it goes away when closed.

    Start times are real date-time cells (Seoul time) with a date format, the header row is bold
    and frozen, and each column has a width that fits its content.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("Calls")))
    sheet.freeze_panes = "A2"
    for index, (_key, _label, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)

    def cell(value, header: bool = False):
        c = WriteOnlyCell(sheet, value=value)
        if header:
            c.font = bold
        elif isinstance(value, datetime):
            c.number_format = DATETIME_XLSX_FORMAT
        return c

    for n, row in enumerate(export_rows(calls, _Labels.current())):
        if n > XLSX_MAX_ROWS:
            break
        sheet.append([cell(v, header=n == 0) for v in row])
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    workbook.save(handle)
    handle.seek(0)
    return handle
