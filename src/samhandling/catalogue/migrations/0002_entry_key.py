"""Every entry gets a stable key for imports and exports (existing entries: type-id)."""

from django.db import migrations, models

MODELS = ("instrument", "initiative", "network", "practice", "resource")


def fill_keys(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("catalogue", name)
        for entry in model.objects.filter(key__isnull=True):
            entry.key = f"{name}-{entry.pk}"
            entry.save(update_fields=["key"])


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [
        *(
            migrations.AddField(
                model_name=name,
                name="key",
                field=models.SlugField(max_length=100, null=True, db_index=False),
            )
            for name in MODELS
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop),
        *(
            migrations.AlterField(
                model_name=name,
                name="key",
                field=models.SlugField(
                    help_text=(
                        "A short stable name used in imports and exports: letters, digits and -."
                    ),
                    max_length=100,
                    unique=True,
                    verbose_name="key",
                ),
            )
            for name in MODELS
        ),
    ]
