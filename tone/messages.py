"""Messages a person reads (a rule that does not validate, a pattern that does not compile).

tone/ has no Django, so it cannot translate. Each message is an English `str` (what tests, the
command line and logs see) that also keeps its template, its values and the rule field it is
about; the app translates the template with its own catalogue and fills the values in again.
Templates are marked with `gettext_noop` so that makemessages finds them here.
"""

from __future__ import annotations

from typing import Any


def gettext_noop(template: str) -> str:
    """Marks a template for the app's catalogue; returns it unchanged."""
    return template


class Message(str):
    """An English message that remembers how it was made: `template.format(**params)`.

    A template without params is used as it is (so it may contain a literal brace).
    """

    template: str
    params: dict[str, Any]
    field: str

    def __new__(cls, template: str, *, field: str = "", **params: Any) -> Message:
        self = super().__new__(cls, template.format(**params) if params else template)
        self.template = template
        self.params = params
        self.field = field
        return self

    def about(self, field: str) -> Message:
        """The same message, attributed to a rule field."""
        return Message(self.template, field=field, **self.params)
