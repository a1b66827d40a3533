"""The dashboards' access paths (issue 11: supervisor dashboard p95 <= 150 ms at 100,000 calls).

- CallAnalysis gets the checklist as two bit masks (found, due), and the call's agent, team and
  start time (as Flag has them), filled here for existing rows and kept by CallAnalysis.save(),
  so the dashboards count analyses by team and time without joining the call or reading JSON.
- PostgreSQL only: covering indexes, so that the dashboard's three aggregate queries (calls,
  analyses, flags by team/agent and time) are index-only range scans over the range shown.
  SQLite has no INCLUDE; the plain indexes in the models serve it.
"""

import django.db.models.deletion
from django.conf import settings
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
    "analysis_team_time_cover": (
        "calls_callanalysis (team_id, call_started_at) "
        "INCLUDE (agent_id, agent_flag_count, abuse_count, checklist_found, checklist_due)"
    ),
    "analysis_agent_time_cover": (
        "calls_callanalysis (agent_id, call_started_at) "
        "INCLUDE (agent_flag_count, abuse_count, checklist_found, checklist_due)"
    ),
    "analysis_time_cover": (
        "calls_callanalysis (call_started_at) "
        "INCLUDE (agent_id, agent_flag_count, abuse_count, checklist_found, checklist_due)"
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


def copy_call_fields(apps, schema_editor):
    schema_editor.execute(
        "UPDATE calls_callanalysis SET "
        "agent_id = (SELECT c.agent_id FROM calls_call c WHERE c.id = calls_callanalysis.call_id), "
        "team_id = (SELECT c.team_id FROM calls_call c WHERE c.id = calls_callanalysis.call_id), "
        "call_started_at = (SELECT c.started_at FROM calls_call c WHERE c.id = calls_callanalysis.call_id)"
    )


def create_covering_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The copy above queued the deferred foreign-key checks; an index cannot be built over them.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name, definition in COVERING_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def drop_covering_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in COVERING_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("calls", "0011_notification_kinds_and_links"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

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
        migrations.AddField(
            model_name="callanalysis",
            name="agent",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="callanalysis",
            name="team",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.team"
            ),
        ),
        migrations.AddField(
            model_name="callanalysis",
            name="call_started_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(fill_checklist_bits, migrations.RunPython.noop),
        migrations.RunPython(copy_call_fields, migrations.RunPython.noop),
        migrations.RunPython(create_covering_indexes, drop_covering_indexes),
    ]
