"""Terms of recognition of a studio or base: when the term ends and where it stands today.

The rule is the issue's ("Xiamen-style": a studio is recognised for a term of 3 years, and one
that fails loses its plaque). Note: seed 003 (厦门市高技能人才队伍建设主要工作任务分解表) does
not actually state a term length or plaque removal, so the length is a parameter and revocation
is an input decided elsewhere, not derived here from an assessment grade.

How the end date is counted follows the Civil Code's rules on periods (《民法典》第二百零一条、
第二百零二条): the day of establishment is not counted, and a period in years ends on the
corresponding day of the last year — or on the last day of that month when there is no such
day. So a studio established on 2021-03-15 is in term through 2024-03-15, and one established
on 2020-02-29 through 2023-02-28.
"""

import calendar
from datetime import date
from enum import StrEnum

from bureau.text import N_

DEFAULT_TERM_YEARS = 3
EXPIRING_WITHIN_DAYS = 90


class TermStatus(StrEnum):
    ACTIVE = "active"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    TermStatus.ACTIVE: N_("有效"),
    TermStatus.EXPIRING: N_("即将到期"),
    TermStatus.EXPIRED: N_("已到期"),
    TermStatus.REVOKED: N_("已摘牌"),
}


def term_end(established: date, years: int = DEFAULT_TERM_YEARS) -> date:
    """Last day of the term (inclusive): the same day ``years`` later, or that month's last day."""
    if isinstance(years, bool) or not isinstance(years, int) or years <= 0:
        raise ValueError(f"years must be a positive integer, got {years!r}")
    end_year = established.year + years
    last_day_of_month = calendar.monthrange(end_year, established.month)[1]
    return date(end_year, established.month, min(established.day, last_day_of_month))


def term_status(
    term_end: date, today: date, revoked: bool, *, expiring_within_days: int = EXPIRING_WITHIN_DAYS
) -> TermStatus:
    """Where a term stands on ``today``.

    ``revoked`` (the plaque was taken away) wins over dates. Otherwise the term is ``expired``
    after its last day, ``expiring`` when its last day is at most ``expiring_within_days`` away
    (the last day itself included), else ``active``.
    """
    if revoked:
        return TermStatus.REVOKED
    days_left = (term_end - today).days
    if days_left < 0:
        return TermStatus.EXPIRED
    if days_left <= expiring_within_days:
        return TermStatus.EXPIRING
    return TermStatus.ACTIVE
