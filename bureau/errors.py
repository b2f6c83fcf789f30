"""Validation failures shared by forms, uploads, the API and the CLI."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: which field (and row, for lists) and a message template."""

    field: str
    message_template: str
    params: dict = field(default_factory=dict)
    row: int | None = None
    column: str | None = None  # the header as written in an uploaded file

    @property
    def message(self) -> str:
        return self.message_template % self.params if self.params else self.message_template


class Invalid(Exception):
    """Input refused; carries every problem found, not just the first."""

    def __init__(self, problems):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


class Conflict(Exception):
    """The record changed since the form or request was read (stale version) or is in the wrong state."""

    def __init__(self, message_template: str, **params):
        super().__init__(message_template % params if params else message_template)
        self.message_template, self.params = message_template, params
