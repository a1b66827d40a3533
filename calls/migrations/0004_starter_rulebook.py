"""Ship the starter rulebook (tone/starter_rules.json) as version 1 of each rule.

Every starter rule is checked against its examples by the test suite; trainers edit from here.
"""

import json
from pathlib import Path

from django.db import migrations

FIELDS = ("category", "severity", "speaker", "pattern", "explanation", "suggestion", "must_match", "must_not_match")


def load(apps, schema_editor):
    Rule = apps.get_model("calls", "Rule")
    RuleVersion = apps.get_model("calls", "RuleVersion")
    path = Path(__file__).resolve().parents[2] / "tone" / "starter_rules.json"
    for data in json.loads(path.read_text(encoding="utf-8"))["rules"]:
        if Rule.objects.filter(code=data["code"]).exists():
            continue
        values = {field: data.get(field, [] if field.startswith("must") else "") for field in FIELDS}
        rule = Rule.objects.create(code=data["code"], version=1, is_active=True, **values)
        RuleVersion.objects.create(rule=rule, version=1, snapshot={"code": rule.code, "is_active": True, **values})


class Migration(migrations.Migration):
    dependencies = [("calls", "0003_tone_analysis")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
