"""Exports are for people: Seoul time to the second, real date-time cells in XLSX, Korean labels
and headers in a Korean export (English in an English one), widths and a frozen header; the CSV
stays UTF-8 with a BOM for Excel. Regressions: UTC with microseconds as text, `inbound`,
`transferred` and snake_case headers."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from calls.models import Call
from dashboards.export import COLUMN_KEYS

SEOUL = ZoneInfo("Asia/Seoul")
STARTED = datetime(2025, 3, 5, 9, 7, 30, 123456, tzinfo=SEOUL)


@pytest.fixture
def exported_call(world):
    Call.objects.filter(pk=world.call_a.pk).update(started_at=STARTED, direction="inbound", outcome="transferred")
    return world.call_a


def _get(client, fmt: str, language: str):
    return client.get(
        reverse("dashboards:export"),
        {"format": fmt, "started_from": "2025-03-01", "started_to": "2025-03-31"},
        HTTP_ACCEPT_LANGUAGE=language,
    )


def _csv(response) -> list[list[str]]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())  # Excel reads the BOM as UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_export_csv_has_seoul_time_without_microseconds_and_korean_labels(client, world, exported_call):
    client.force_login(world.supervisor_a)
    header, row = _csv(_get(client, "csv", "ko"))
    values = dict(zip(COLUMN_KEYS, row, strict=True))
    assert values["started_at"] == "2025-03-05 09:07:30"
    assert values["direction"] == "인바운드" and values["outcome"] == "호 전환"
    assert header[COLUMN_KEYS.index("call_id")] == "통화 번호"
    assert not any("_" in h for h in header)  # no snake_case left


def test_export_english_is_english(client, world, exported_call):
    client.force_login(world.supervisor_a)
    header, row = _csv(_get(client, "csv", "en"))
    values = dict(zip(COLUMN_KEYS, row, strict=True))
    assert header[0] == "Call ID" and values["direction"] == "Inbound" and values["outcome"] == "Transferred"


def test_export_xlsx_has_datetime_cells_widths_and_a_frozen_korean_header(client, world, exported_call):
    client.force_login(world.supervisor_a)
    response = _get(client, "xlsx", "ko")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header[0] == "통화 번호" and sheet["A1"].font.bold
    started = sheet.cell(row=2, column=COLUMN_KEYS.index("started_at") + 1)
    assert started.value == datetime(2025, 3, 5, 9, 7, 30)  # a date-time cell, Seoul wall time
    assert started.is_date and "yyyy-mm-dd" in started.number_format
    assert sheet.cell(row=2, column=COLUMN_KEYS.index("outcome") + 1).value == "호 전환"
    assert sheet.column_dimensions["B"].width >= 19
