"""The plural texts of the coordination pages whose body is written in Jinja2 (decision 0006).

makemessages finds a plural in Python, not in a Jinja2 template. Each text here chooses its
form by the value named `counter` when it is filled in: `{{ plurals.AGE|fill(counter=n) }}`.
"""

from django.utils.translation import ngettext_lazy

AGE = ngettext_lazy("%(counter)s year", "%(counter)s years", "counter")
HIDDEN_ENTRIES = ngettext_lazy(
    "%(counter)s entry is not shown to you.", "%(counter)s entries are not shown to you.", "counter"
)
EARLIER_VERSIONS = ngettext_lazy(
    "Corrected – %(counter)s earlier version", "Corrected – %(counter)s earlier versions", "counter"
)
HIDDEN_ITEMS = ngettext_lazy(
    "%(counter)s item is not shown to you.", "%(counter)s items are not shown to you.", "counter"
)
