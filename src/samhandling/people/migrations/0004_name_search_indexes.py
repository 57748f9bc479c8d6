"""Trigram indexes for the person search on PostgreSQL (SQLite needs none at its size).

The search matches each word anywhere in the given or family name (`icontains`, which Django
writes as `UPPER(name::text) LIKE UPPER('%word%')`) within the actor's municipality. At national
scale the btree index on (municipality, family name, given name) made PostgreSQL walk a large
municipality's persons in name order until twenty matched: 250 ms in Oslo. A GIN index on
(municipality, the upper-cased name by trigrams) finds the matches in the municipality
directly. pg_trgm and btree_gin (for the municipality in a GIN index) are trusted extensions:
any owner of the database may create them.
"""

from django.db import migrations

INDEXES = {
    "person_family_name_trgm": "family_name",
    "person_given_name_trgm": "given_name",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON people_person USING gin "
            f"(municipality_id, (UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("people", "0003_processing_restricted")]

    operations = [migrations.RunPython(create, drop)]
