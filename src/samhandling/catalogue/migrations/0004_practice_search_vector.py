"""A stored search vector for each practice, with a GIN index on PostgreSQL (SQLite searches
the text literally and needs neither)."""

import django.contrib.postgres.search
from django.db import migrations

# The language of each practice's text -> PostgreSQL's text search configuration; the same
# mapping as catalogue.selectors.SEARCH_CONFIG, written out as it was when this ran.
CONFIG = {"nb": "norwegian", "nn": "norwegian", "sv": "swedish", "da": "danish",
          "fi": "finnish", "en": "english"}  # fmt: skip
FIELDS = ("title", "problem", "what_was_done", "results", "lessons_learned")


def index_and_fill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    whens = " ".join(f"WHEN '{code}' THEN '{config}'" for code, config in CONFIG.items())
    text = " || ' ' || ".join(f"coalesce({field}, '')" for field in FIELDS)
    schema_editor.execute(
        "CREATE INDEX catalogue_practice_search_gin ON catalogue_practice USING gin "
        "(search_vector)"
    )
    schema_editor.execute(
        f"UPDATE catalogue_practice SET search_vector = to_tsvector("
        f"(CASE language {whens} ELSE 'simple' END)::regconfig, {text})"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalogue_practice_search_gin")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0003_target_groups")]

    operations = [
        migrations.AddField(
            model_name="practice",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                blank=True, editable=False, null=True
            ),
        ),
        migrations.RunPython(index_and_fill, drop_index),
    ]
