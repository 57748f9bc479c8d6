"""The form base that every form in the project uses: Designsystemet classes on every input."""

from typing import Any

from django import forms


class DesignsystemetMixin:
    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "ds-input"
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()


class Form(DesignsystemetMixin, forms.Form):
    pass


class ModelForm(DesignsystemetMixin, forms.ModelForm):
    pass
