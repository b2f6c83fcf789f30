"""Validation failures shared by forms, uploads, the API and the CLI."""
from __future__ import annotations

from dataclasses import dataclass, field

from bureau.text import N_


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


STALE_FORM = N_("保存失败：在您打开之后，他人已修改并保存了这条记录。为避免覆盖，本次修改未保存，请查看最新内容后重新填写。")


def check_version(record, given) -> None:
    """Refuse a write prepared against an older ``version`` of ``record`` (a stale form or request).

    ``given`` is the version the form or request read: empty means "not checked" (API clients may
    omit it), ``0`` means "there was no such record" (versions start at 1), so a record created
    since is refused too."""
    if given in (None, ""):
        return
    try:
        expected = int(given)
    except (TypeError, ValueError):
        raise Invalid([Problem("version", N_("版本号应为整数"))]) from None
    if expected != (record.version if record is not None else 0):
        raise Conflict(STALE_FORM)
