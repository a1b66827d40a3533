"""PostgreSQL only: a GIN index answering prefix tsqueries on the search terms (SQLite uses LIKE)."""

from django.db import migrations


def create_gin(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS segidx_terms_gin ON dashboards_segmentindex "
        "USING gin (to_tsvector('simple'::regconfig, terms))"
    )


def drop_gin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS segidx_terms_gin")


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0001_initial")]

    operations = [migrations.RunPython(create_gin, drop_gin)]
