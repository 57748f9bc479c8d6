"""Indexes for the person search by the start of a name or an identity number, on PostgreSQL
(SQLite needs none at its size), in place of the trigram indexes of 0004.

The search finds the persons of whom each word begins the given or the family name, by name
(people/selectors.py). Matching a word anywhere in a name, as before, PostgreSQL had two ways,
both slow for a common name in a large municipality at national scale: walk the persons in
name order until twenty matched (150 ms in Oslo for "Johansen", a name that begins far into
the alphabet), or fetch every person whose name holds the word and sort them (87 ms). An index
on (municipality, the upper-cased family name, the upper-cased given name) whose names compare
by their characters' codes (collation "C": the database's C.UTF-8 does not let a btree serve
`LIKE 'prefix%'`) lets it start where the word's names begin and read twenty in order: 0.1 ms.
"""

from django.db import migrations

INDEXES = {
    "person_name_bytewise": (
        '(municipality_id, (UPPER(family_name::text) COLLATE "C"), '
        '(UPPER(given_name::text) COLLATE "C"), id)'
    ),
    "person_given_name_bytewise": '(municipality_id, (UPPER(given_name::text) COLLATE "C"))',
    # Django writes `(national_id COLLATE "C")::text` (the LIKE's cast outside)
    "person_national_id_bytewise": '(municipality_id, ((national_id COLLATE "C")::text))',
}
# 0004's, which no query uses any more (put back if this migration is reversed)
TRIGRAM_INDEXES = {
    f"person_{column}_trgm": f"USING gin (municipality_id, (UPPER({column}::text)) gin_trgm_ops)"
    for column in ("family_name", "given_name")
}


def _replace(schema_editor, old: dict[str, str], new: dict[str, str]) -> None:
    """Drops the indexes `old` names and creates those of `new` (name: definition)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in old:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for name, definition in new.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON people_person {definition}")


def create(apps, schema_editor):
    _replace(schema_editor, TRIGRAM_INDEXES, INDEXES)


def drop(apps, schema_editor):
    _replace(schema_editor, INDEXES, TRIGRAM_INDEXES)


class Migration(migrations.Migration):
    dependencies = [("people", "0004_name_search_indexes")]

    operations = [migrations.RunPython(create, drop)]
