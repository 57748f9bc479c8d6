"""Form widgets written out in Python, byte for byte as Django's own Jinja2 widget templates
write them (django/forms/jinja2/django/forms/widgets: input.html, attrs.html, select.html,
select_option.html, textarea.html), escaped as Jinja2 escapes (markupsafe).

The coordination pages render dozens of widgets and a hundred options each; through the
templates, every widget, option and attribute list is a template render of its own. Only the
widgets whose templates are exactly these are written here (`WRITTEN_HERE`); any other widget,
or a localized field, renders through Django (`html_of` returns None). Decision 0005.
"""

from __future__ import annotations

from typing import Any

from django import forms
from markupsafe import Markup, escape

WIDGETS = "django/forms/widgets/"
# Each of these templates is input.html and nothing else, or select.html or textarea.html.
WRITTEN_HERE = frozenset(
    f"{WIDGETS}{name}.html"
    for name in ("text", "number", "email", "url", "password", "search", "tel", "date",
                 "datetime", "time", "checkbox", "select", "textarea")
)  # fmt: skip


def attrs_html(attrs: dict[str, Any]) -> str:
    """attrs.html: ` name="value"`, ` name` for True, nothing for False (escaped)."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def input_html(widget: dict[str, Any]) -> Markup:
    """input.html, for a widget's context or a choice's (a checkbox or radio option)."""
    value = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
    html = (
        f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{value}'
        f"{attrs_html(widget['attrs'])}>"
    )
    return Markup(html)  # noqa: S704 - every value in it is escaped


def select_html(widget: dict[str, Any]) -> Markup:
    parts = [f'<select name="{escape(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{escape(option["value"])}"{attrs_html(option["attrs"])}>'
            f"{escape(option['label'])}</option>"
            for option in group_choices
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return Markup("".join(parts))  # noqa: S704 - every value in it is escaped


def textarea_html(widget: dict[str, Any]) -> Markup:
    text = escape(widget["value"]) if widget["value"] else ""
    html = f'<textarea name="{escape(widget["name"])}"{attrs_html(widget["attrs"])}>\n{text}'
    return Markup(f"{html}</textarea>")  # noqa: S704 - every value in it is escaped


def html_of(field: forms.BoundField) -> Markup | None:
    """What `str(field)` renders (BoundField.as_widget), or None for a widget not written here."""
    widget = field.field.widget
    if widget.template_name not in WRITTEN_HERE or field.field.localize:
        return None
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    if widget.template_name == f"{WIDGETS}select.html":
        return select_html(context)
    if widget.template_name == f"{WIDGETS}textarea.html":
        return textarea_html(context)
    return input_html(context)
