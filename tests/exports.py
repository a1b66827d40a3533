"""Reading an export back by column key: its headers are labels in the user's language."""

import csv
import io

from dashboards.export import COLUMN_KEYS


def csv_dicts(response) -> list[dict[str, str]]:
    """The rows of a streamed CSV export as {key: value}, keyed by dashboards.export.COLUMN_KEYS."""
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows[0]) == len(COLUMN_KEYS)
    return [dict(zip(COLUMN_KEYS, row, strict=True)) for row in rows[1:]]
