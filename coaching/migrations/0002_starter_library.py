from django.db import migrations

from coaching.migrations._starter_library import MODULES


def load(apps, schema_editor):
    Module = apps.get_model("coaching", "Module")
    PracticeItem = apps.get_model("coaching", "PracticeItem")
    for data in MODULES:
        if Module.objects.filter(title=data["title"]).exists():
            continue
        fields = {k: v for k, v in data.items() if k != "practice"}
        module = Module.objects.create(**fields)
        for order, item in enumerate(data["practice"]):
            PracticeItem.objects.create(module=module, order=order, **item)


def unload(apps, schema_editor):
    Module = apps.get_model("coaching", "Module")
    Module.objects.filter(title__in=[m["title"] for m in MODULES], assignments__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("coaching", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
