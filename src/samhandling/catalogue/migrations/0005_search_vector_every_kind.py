"""A stored search vector for every kind of catalogue entry, not only practices, with a GIN
index each on PostgreSQL (SQLite searches the text literally and needs neither)."""

import django.contrib.postgres.search
from django.db import migrations

# Each kind's table -> (bokmål fields, English fields): the same as
# catalogue.selectors.SEARCH_FIELDS, written out as it was when this ran.
FIELDS = {
    "catalogue_instrument": (
        ("title_nb", "summary_nb", "target_group_nb"),
        ("title_en", "summary_en", "target_group_en"),
    ),
    "catalogue_initiative": (
        ("title_nb", "challenge_nb", "goals_nb"),
        ("title_en", "challenge_en", "goals_en"),
    ),
    "catalogue_network": (("name_nb", "purpose_nb"), ("name_en", "purpose_en")),
    "catalogue_resource": (("title_nb", "summary_nb"), ("title_en", "summary_en")),
}


def _text(fields):
    return " || ' ' || ".join(f"coalesce({field}, '')" for field in fields)


def index_and_fill(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (nb_fields, en_fields) in FIELDS.items():
        schema_editor.execute(f"CREATE INDEX {table}_search_gin ON {table} USING gin (search_vector)")
        schema_editor.execute(
            f"UPDATE {table} SET search_vector = "
            f"to_tsvector('norwegian'::regconfig, {_text(nb_fields)}) || "
            f"to_tsvector('english'::regconfig, {_text(en_fields)})"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in FIELDS:
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_gin")


def _vector(model_name):
    return migrations.AddField(
        model_name=model_name,
        name="search_vector",
        field=django.contrib.postgres.search.SearchVectorField(
            blank=True, editable=False, null=True
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0004_practice_search_vector")]

    operations = [
        _vector("instrument"),
        _vector("initiative"),
        _vector("network"),
        _vector("resource"),
        migrations.RunPython(index_and_fill, drop_indexes),
    ]
