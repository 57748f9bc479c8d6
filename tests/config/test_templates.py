"""Rules about templates that a tool enforces: no inline script or style, no untranslated text."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "samhandling"
# Django templates, and Jinja2 ones (page bodies and form fields, decisions 0005 and 0006): the
# same rules, and the same markers of template language ({{ }}, {% %}, {# #}).
TEMPLATES = sorted(
    p for folder in ("templates", "jinja2") for p in SRC.rglob(f"{folder}/**/*.html")
)
# Text shown in its own language on purpose (the language switch names each language in itself).
OWN_LANGUAGE_NAMES = {"Norsk (bokmål)", "English"}
# Names of file formats, the same in every language (links to downloads in that format).
FORMAT_NAMES = {"JSON", "CSV", "JSON-stat"}
NAMES = OWN_LANGUAGE_NAMES | FORMAT_NAMES


class TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if "style" in names or any(name.startswith("on") for name in names):
            self.inline.append(f"<{tag}> with style= or on*= attribute")
        if tag == "script" and "src" not in names:
            self.inline.append("inline <script>")
        if tag == "style":
            self.inline.append("inline <style>")
        for name, value in attrs:
            if name in {"aria-label", "title", "alt", "placeholder"} and value:
                self.texts.append(value)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def strip_template_language(source: str) -> str:
    source = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", source, flags=re.S)
    source = re.sub(r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}", "", source, flags=re.S)
    source = re.sub(r"{#.*?#}", "", source, flags=re.S)
    source = re.sub(r"{%.*?%}", "", source, flags=re.S)
    return re.sub(r"{{.*?}}", "", source, flags=re.S)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_templates_have_no_inline_script_or_style(template: Path) -> None:
    collector = TextCollector()
    collector.feed(template.read_text())
    assert collector.inline == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_templates_have_no_text_outside_gettext(template: Path) -> None:
    collector = TextCollector()
    collector.feed(strip_template_language(template.read_text()))
    loose = [
        text.strip()
        for text in collector.texts
        if re.search(r"[A-Za-zÆØÅæøå]", text) and text.strip() not in NAMES
    ]
    assert loose == []


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) >= 5
    assert any("jinja2" in p.parts for p in TEMPLATES)


JINJA2_TEMPLATES = [p for p in TEMPLATES if "jinja2" in p.parts]


@pytest.mark.parametrize("template", JINJA2_TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_jinja2_translates_only_literals(template: Path) -> None:
    """`_()` in a Jinja2 template takes a quoted literal: config/jinja.py remembers each
    translation by its text, which must be ours, never a person's name or words."""
    calls = re.findall(r"\b_\(\s*(.)", template.read_text())
    assert [first for first in calls if first not in "\"'"] == []
