"""User-facing messages from the plain-rule studio modules, kept translatable.

A rule that says "得分低于合格线60分" has a parameter; if it returned the formatted string, the
web layer could no longer look the template up in its catalogue. So rules return a ``Message``:
the ``N_``-marked template and its parameters, formatted only when shown. ``str(message)`` gives
the Chinese text; ``message.render(gettext)`` gives the translated one.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType


def _untranslated(template: str) -> str:
    return template


@dataclass(frozen=True)
class Message:
    """A message template (marked with ``N_``) and the values for its ``%(name)s`` fields."""

    template: str
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def render(self, translate: Callable[[str], str] = _untranslated) -> str:
        """Translate the template with ``translate`` (e.g. Flask-Babel's ``gettext``), then fill it."""
        translated = translate(self.template)
        return translated % dict(self.params) if self.params else translated

    def __str__(self) -> str:
        return self.render()


def format_points(value: Decimal | int) -> str:
    """Points as a clerk writes them: ``60``, ``12.5`` — never ``6E+1`` or ``60.0``."""
    if isinstance(value, int):
        return str(value)
    return f"{value.normalize():f}"
