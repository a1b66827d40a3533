"""Casual customer banmal is not abuse: switch off `abuse-banmal-at-agent`, and drop 설레 ('excited')
from `abuse-sexual-more` ("설레는데" about a parcel was a high-severity harassment flag). Both as new
rule versions, so the rulebook's history shows why."""

from django.db import migrations

FIELDS = (
    "code",
    "category",
    "severity",
    "speaker",
    "pattern",
    "explanation",
    "suggestion",
    "must_match",
    "must_not_match",
    "is_active",
)


def _new_version(Rule, RuleVersion, rule):
    rule.version += 1
    rule.save()
    RuleVersion.objects.create(rule=rule, version=rule.version, snapshot={f: getattr(rule, f) for f in FIELDS})


def forwards(apps, schema_editor):
    Rule = apps.get_model("calls", "Rule")
    RuleVersion = apps.get_model("calls", "RuleVersion")
    rule = Rule.objects.filter(code="abuse-banmal-at-agent", is_active=True).first()
    if rule:
        rule.is_active = False
        _new_version(Rule, RuleVersion, rule)
    rule = Rule.objects.filter(code="abuse-sexual-more").first()
    if rule and " | 설레/VV" in rule.pattern:
        rule.pattern = rule.pattern.replace(" | 설레/VV", "")
        rule.must_not_match = [*rule.must_not_match, "아 설레는데 택배 빨리 와라"]
        _new_version(Rule, RuleVersion, rule)


class Migration(migrations.Migration):
    dependencies = [("calls", "0005_tone_model_versions")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
