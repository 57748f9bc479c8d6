from django import forms
from django.utils.translation import gettext_lazy as _

from samhandling.config.forms import Form


class PersonSearchForm(Form):
    query = forms.CharField(
        label=_("Name or national identity number"),
        help_text=_(
            "The beginning of the given name, the family name or both (“ola nord”), or the "
            "first six digits or more of the identity number."
        ),
        min_length=2,
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
        error_messages={"min_length": _("Type at least two characters.")},
    )
