import gettext
import re
import subprocess
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "src" / "samhandling" / "locale"


def test_the_bokmal_catalogue_is_complete_and_compiles() -> None:
    po = LOCALE / "nb" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr
    assert "translated messages" in result.stderr


def test_every_source_string_is_in_the_bokmal_catalogue(tmp_path: Path) -> None:
    """Running makemessages again would add nothing: no string was added without translating."""
    src = LOCALE.parent
    sources = [str(p) for p in src.rglob("*.py") if "migrations" not in p.parts]
    pot = tmp_path / "python.pot"
    subprocess.run(
        [
            "xgettext",
            "-L",
            "Python",
            "--from-code=UTF-8",
            "-k_",
            "-kgettext",
            "-kgettext_lazy",
            "-kgettext_noop",
            "-kngettext:1,2",
            "-o",
            str(pot),
            *sources,
        ],
        check=True,
    )
    catalogue = (LOCALE / "nb" / "LC_MESSAGES" / "django.po").read_text()
    missing = [
        line.split(" ", 1)[1]
        for line in pot.read_text().splitlines()
        if line.startswith("msgid ")
        and line != 'msgid ""'
        and line.split(" ", 1)[1] not in catalogue
    ]
    assert missing == []


def test_every_text_of_the_jinja2_templates_is_in_the_bokmal_catalogue() -> None:
    """The page bodies in Jinja2 (decision 0006) write each text as _("…"), which makemessages
    finds; a text added there without `make translations` would show in English."""
    with (LOCALE / "nb" / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        translated = set(gettext.GNUTranslations(compiled)._catalog)  # type: ignore[attr-defined]
    texts = {
        match[1] or match[2]
        for template in LOCALE.parent.rglob("jinja2/**/*.html")
        for match in re.finditer(r"""_\((?:"([^"]+)"|'([^']+)')\)""", template.read_text())
    }
    assert texts
    assert sorted(texts - translated) == []


def test_every_text_of_the_jinja2_templates_is_where_makemessages_finds_it() -> None:
    """makemessages reads a Jinja2 template as a Django one: it finds _("…") first in a
    {{ … }} or anywhere in a {% … %}, and nowhere else (it would drop the text from the
    catalogue, and the page would show it in English)."""
    hidden = [
        (template.name, expression.strip())
        for template in LOCALE.parent.rglob("jinja2/**/*.html")
        for expression in re.findall(r"{{(.*?)}}", template.read_text(), flags=re.S)
        if re.search(r"(?<![\w.])_\(", expression.strip()[1:])
    ]
    assert hidden == []
