"""On PostgreSQL, the database itself keeps the access log append-only: UPDATE is refused, and
DELETE of a row younger than two years (privacy.models.ACCESS_LOG_MIN_RETENTION_DAYS) too.
SQLite (a developer's machine) relies on the application's guards alone."""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION privacy_accesslog_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'privacy_accesslog is append-only: UPDATE refused';
    END IF;
    IF OLD.at > now() - interval '730 days' THEN
        RAISE EXCEPTION 'privacy_accesslog rows are kept two years: DELETE of a row from % refused', OLD.at;
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_accesslog_append_only
    BEFORE UPDATE OR DELETE ON privacy_accesslog
    FOR EACH ROW EXECUTE FUNCTION privacy_accesslog_guard();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS privacy_accesslog_append_only ON privacy_accesslog;
DROP FUNCTION IF EXISTS privacy_accesslog_guard();
"""


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_access_log")]
    operations = [migrations.RunPython(guard, unguard)]
