"""Import and export of the catalogue as JSON and CSV (docs/catalogue-files.md).

An export holds the published entries only, with every field an editor sets. Related entries
are named by stable names, so that a file moves between installations: a directorate by its
short name (or its name), a municipality by its number, an indicator by its code, a catalogue
entry by its key.

An import is all or nothing. The whole file is checked first, and every problem is reported with
its place: a JSON path such as `practices[3].age_to` (with the line the entry starts on), or a
CSV line and column. If there is any problem, nothing is written. A new key is drafted and a
known key is edited through catalogue.services, so every imported change is a draft that
another editor publishes (four eyes); an entry the file leaves as it is stays untouched.

formats.py says what a file holds, export.py writes files, reading.py reads them and
importing.py checks and writes what they hold.
"""

from .export import export_csv, export_json
from .formats import (
    FORMAT,
    MAX_BYTES,
    SEPARATOR,
    VERSION,
    Column,
    Problem,
    columns,
    escape_cell,
    file_name,
    kind_from_name,
    unescape_cell,
)
from .importing import (
    ImportResult,
    check,
    check_files,
    import_catalogue,
    import_files,
    may_import,
    require_importer,
)
from .reading import Upload

__all__ = [
    "FORMAT",
    "MAX_BYTES",
    "SEPARATOR",
    "VERSION",
    "Column",
    "ImportResult",
    "Problem",
    "Upload",
    "check",
    "check_files",
    "columns",
    "escape_cell",
    "export_csv",
    "export_json",
    "file_name",
    "import_catalogue",
    "import_files",
    "kind_from_name",
    "may_import",
    "require_importer",
    "unescape_cell",
]
