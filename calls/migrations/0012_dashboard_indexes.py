"""The dashboards' access paths (issue 11: supervisor dashboard p95 <= 150 ms at 100,000 calls).

- CallAnalysis gets the checklist as two bit masks (found, due), filled here for existing rows and
  kept by CallAnalysis.save(), so coverage is counted without reading each checklist's JSON.
- PostgreSQL only: covering indexes, so that the dashboard's two aggregate queries (calls joined to
  their analysis, and flags) are index-only scans over the range shown. SQLite has no INCLUDE;
  the plain indexes in the models serve it.
"""

from django.db import migrations, models

# A frozen copy of calls.models.CHECKLIST_BITS / checklist_bits as of this migration.
BITS = ("greeting", "need_confirmed", "empathy", "next_step", "closing")

COVERING_INDEXES = {
    "call_team_started_cover": "calls_call (team_id, started_at) INCLUDE (agent_id, id)",
    "call_agent_started_cover": "calls_call (agent_id, started_at) INCLUDE (id)",
    "call_started_cover": "calls_call (started_at) INCLUDE (agent_id, id)",
    "flag_team_time_cover": "calls_flag (team_id, call_started_at) INCLUDE (agent_id, category, speaker, review_status)",
    "flag_agent_time_cover": "calls_flag (agent_id, call_started_at) INCLUDE (category, speaker, review_status)",
    "flag_time_cover": "calls_flag (call_started_at) INCLUDE (agent_id, category, speaker, review_status)",
    "analysis_call_summary": (
        "calls_callanalysis (call_id) INCLUDE (agent_flag_count, abuse_count, checklist_found, checklist_due)"
    ),
}


def _bits(checklist) -> tuple[int, int]:
    found = due = 0
    for entry in checklist or ():
        item = entry.get("item") if isinstance(entry, dict) else None
        if item not in BITS:
            continue
        bit = 1 << BITS.index(item)
        if entry.get("status") == "found":
            found |= bit
            due |= bit
        elif entry.get("status") == "missing":
            due |= bit
    return found, due


FILL_SQL = """
UPDATE calls_callanalysis AS a SET checklist_found = s.found, checklist_due = s.due
FROM (
    SELECT c.id,
        bit_or(CASE WHEN e->>'status' = 'found' THEN 1 << (array_position(%(bits)s, e->>'item') - 1) ELSE 0 END)
            AS found,
        bit_or(CASE WHEN e->>'status' IN ('found', 'missing')
            THEN 1 << (array_position(%(bits)s, e->>'item') - 1) ELSE 0 END) AS due
    FROM calls_callanalysis AS c
    CROSS JOIN LATERAL jsonb_array_elements(
        CASE WHEN jsonb_typeof(c.checklist) = 'array' THEN c.checklist ELSE '[]'::jsonb END
    ) AS e
    WHERE jsonb_typeof(e) = 'object' AND array_position(%(bits)s, e->>'item') IS NOT NULL
    GROUP BY c.id
) AS s
WHERE s.id = a.id
"""


def fill_checklist_bits(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # One statement: a Python loop with bulk_update takes minutes at 100,000 analyses.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FILL_SQL, {"bits": list(BITS)})
        return
    CallAnalysis = apps.get_model("calls", "CallAnalysis")
    batch = []
    for analysis in CallAnalysis.objects.only("id", "checklist").order_by("id").iterator(chunk_size=2000):
        analysis.checklist_found, analysis.checklist_due = _bits(analysis.checklist)
        if analysis.checklist_due:
            batch.append(analysis)
        if len(batch) >= 2000:
            CallAnalysis.objects.bulk_update(batch, ["checklist_found", "checklist_due"])
            batch = []
    if batch:
        CallAnalysis.objects.bulk_update(batch, ["checklist_found", "checklist_due"])


def create_covering_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in COVERING_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_covering_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in COVERING_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("calls", "0011_notification_kinds_and_links")]

    operations = [
        migrations.AddField(
            model_name="callanalysis",
            name="checklist_found",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="callanalysis",
            name="checklist_due",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(fill_checklist_bits, migrations.RunPython.noop),
        migrations.RunPython(create_covering_indexes, drop_covering_indexes),
    ]
