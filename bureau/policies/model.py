"""The shape of a policy document once loaded: frozen dataclasses, no behaviour beyond lookups.

One ``PolicyDocument`` per seed document. Rule objects keep the clause they come from and the
reading we chose where the text is ambiguous, so every award can cite both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from bureau.text import N_

Tier = Literal["world", "national", "provincial", "city", "county"]
Medal = Literal["gold", "silver", "bronze", "excellence"]
StudioKind = Literal["master_studio", "training_base", "technician_station", "competition_base"]
StudioLevel = Literal["national", "provincial", "city", "county"]

TIERS: tuple[str, ...] = ("world", "national", "provincial", "city", "county")
CATEGORIES: tuple[int, ...] = (1, 2)
MEDALS: tuple[str, ...] = ("gold", "silver", "bronze", "excellence")
STUDIO_KINDS: tuple[str, ...] = ("master_studio", "training_base", "technician_station", "competition_base")
STUDIO_LEVELS: tuple[str, ...] = ("national", "provincial", "city", "county")

# The national "new eight-grade" ladder (新八级工), low to high. Xiamen's document names it; the
# loader checks any ladder a document lists against this one.
SKILL_LEVELS: tuple[str, ...] = ("学徒工", "初级工", "中级工", "高级工", "技师", "高级技师", "特级技师", "首席技师")


def skill_level_index(level: str) -> int:
    """Position of ``level`` on the ladder (学徒工 = 0); ValueError for an unknown name."""
    try:
        return SKILL_LEVELS.index(level)
    except ValueError:
        raise ValueError(f"unknown skill level {level!r}; expected one of {', '.join(SKILL_LEVELS)}") from None


def yuan(amount: int) -> str:
    """An amount as the documents write it: 50万元, 1.5万元, 2500元."""
    if amount >= 10000:
        return N_("{wan}万元").format(wan=f"{amount / 10000:g}")
    return N_("{amount}元").format(amount=amount)


@dataclass(frozen=True)
class Clause:
    """Where a rule comes from: the document's 文号 (or short title), section, item, and a quote."""

    document: str
    section: str
    item: str
    quote: str

    @property
    def citation(self) -> str:
        """E.g. ``温人社发〔2018〕242号，四、构建高技能人才培养平台，13. 加大对竞赛获奖选手激励力度``."""
        return "，".join(part for part in (self.document, self.section, self.item) if part)


class TierScoped:
    """Mixin for rules that apply to competitions of some tiers and, optionally, categories."""

    tiers: tuple[str, ...]
    categories: tuple[int, ...]  # empty: any category

    def applies_to(self, tier: str, category: int | None) -> bool:
        return tier in self.tiers and (not self.categories or category in self.categories)


@dataclass(frozen=True)
class RankRange:
    """Places ``from_rank`` to ``to_rank`` inclusive."""

    from_rank: int
    to_rank: int

    def covers(self, rank: int | None) -> bool:
        return rank is not None and self.from_rank <= rank <= self.to_rank


@dataclass(frozen=True)
class PrizeBand(RankRange):
    """An amount for a range of places; used by policy tables and by a competition's own prizes."""

    amount: int


@dataclass(frozen=True)
class MedalPrize:
    medal: str
    amount: int


@dataclass(frozen=True)
class CashTable(TierScoped):
    """Personal cash for places in competitions of some tiers and categories.

    ``basis`` says where the amount comes from: ``ranks`` (``bands``), ``medals`` (``medals``),
    or ``competition_prizes`` (the policy leaves the amounts to the competition's own document).
    """

    key: str
    label: str
    tiers: tuple[str, ...]
    categories: tuple[int, ...]
    basis: Literal["ranks", "medals", "competition_prizes"]
    bands: tuple[PrizeBand, ...]
    medals: tuple[MedalPrize, ...]
    series: str | None
    clause: Clause
    reading: str

    @property
    def last_rank(self) -> int:
        return max((band.to_rank for band in self.bands), default=0)


@dataclass(frozen=True)
class TitleRule(TierScoped):
    """A title (称号). ``automatic`` titles follow from a place; ``selection`` titles are chosen
    by the bureau (the document sets no competition rule) and may carry a cash amount."""

    key: str
    title: str
    label: str
    conferral: Literal["automatic", "selection"]
    tiers: tuple[str, ...]
    categories: tuple[int, ...]
    places: RankRange | None
    local_only: bool
    amount: int | None
    annual_quota: int | None
    conferred_by: str
    clause: Clause
    reading: str


@dataclass(frozen=True)
class SkillLevelRule(TierScoped):
    """Recognition at ``level`` for passing contestants; ``promotion_cap`` is the highest level
    the competition's own promotions table may lift a contestant to (None: no promotion)."""

    key: str
    label: str
    tiers: tuple[str, ...]
    categories: tuple[int, ...]
    level: str
    promotion_cap: str | None
    clause: Clause
    reading: str


@dataclass(frozen=True)
class BaseSubsidy:
    """Money to a competition training base for each of its players placing in ``places``."""

    key: str
    label: str
    tier: str
    places: RankRange
    amount: int
    clause: Clause
    reading: str


@dataclass(frozen=True)
class HostingSubsidy(TierScoped):
    """Money to the organiser (承办单位) of a competition: a range or an upper limit."""

    key: str
    label: str
    tiers: tuple[str, ...]
    categories: tuple[int, ...]
    amount_min: int | None
    amount_max: int
    clause: Clause
    reading: str


@dataclass(frozen=True)
class StudioGrant:
    """A one-time grant to a studio, base or station of ``kind`` at ``level``.

    ``amount_basis`` is ``fixed`` or ``at_least`` (the document sets a floor, 不少于);
    ``conditions`` are what staff must check that the facts do not record.
    """

    key: str
    label: str
    kind: str
    level: str
    amount: int
    amount_basis: Literal["fixed", "at_least"]
    requires_new: bool
    payee: str
    conditions: tuple[str, ...]
    clause: Clause
    reading: str


@dataclass(frozen=True)
class AssessmentRule:
    """The annual assessment of ``kind`` at ``level``: share of 优秀 and the reward cap."""

    key: str
    label: str
    kind: str
    level: str
    excellent_max_percent: int
    reward_max: int
    clause: Clause
    reading: str


@dataclass(frozen=True)
class OverlapSeries:
    key: str
    label: str
    covers: str
    reading: str


@dataclass(frozen=True)
class OverlapRules:
    """Rules for one person holding several awards (Wenzhou's 就高 rules).

    ``window_years``: awards of different series within this many years: the highest only.
    ``top_up``: a new, higher award after a lower one is paid as the difference (补差), so the
    person's total stays at the highest award.
    """

    series: dict[str, OverlapSeries]
    window_years: int
    top_up: bool
    clause: Clause
    reading: str


@dataclass(frozen=True)
class Eligibility:
    """Who a document's competition cash is for, and how teams are paid."""

    local_only: bool
    local_only_reason: str
    team_payment: Literal["per_member", "once_per_team"]
    team_all_local: bool
    clause: Clause | None
    reading: str


@dataclass(frozen=True)
class Subsidy:
    """Any other amount the document sets (allowances, training subsidies, talent awards).

    Data for other modules and for reading; the competition conversion does not use it.
    """

    key: str
    label: str
    amount: int | None
    amount_min: int | None
    amount_max: int | None
    unit: str
    series: str | None
    clause: Clause
    reading: str


@dataclass(frozen=True)
class Target:
    """A target or quota (for dashboards): a value or a range, with its unit and period."""

    key: str
    label: str
    value: int | float | None
    value_min: int | float | None
    value_max: int | float | None
    unit: str
    period: str
    clause: Clause
    reading: str


@dataclass(frozen=True)
class RegionTarget:
    """One row of a per-region target table; ``values`` keyed by target key.
    Keys in ``at_least`` are minimums (以上) rather than exact figures."""

    region: str
    values: dict[str, int | float]
    at_least: tuple[str, ...]


@dataclass(frozen=True)
class PolicyDocument:
    """One policy document, as data. Copy and edit it with ``copy_with_changes``."""

    code: str
    title: str
    short_name: str
    document_number: str
    issuers: tuple[str, ...]
    issued_on: date | None
    effective_from: date | None
    applies_from: date | None  # earliest competition date covered
    valid_until: date | None
    jurisdiction: str
    source: str
    notes: tuple[str, ...]
    eligibility: Eligibility
    cash: tuple[CashTable, ...]
    titles: tuple[TitleRule, ...]
    skill_levels: tuple[SkillLevelRule, ...]
    base_subsidies: tuple[BaseSubsidy, ...]
    hosting_subsidies: tuple[HostingSubsidy, ...]
    studio_grants: tuple[StudioGrant, ...]
    assessments: tuple[AssessmentRule, ...]
    overlap: OverlapRules | None
    subsidies: tuple[Subsidy, ...]
    targets: tuple[Target, ...]
    region_targets: tuple[RegionTarget, ...]
    # The parsed TOML this document was built from; ``copy_with_changes`` edits a copy of it.
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def citation_name(self) -> str:
        """文号 when the document has one, else its short name."""
        return self.document_number or self.short_name

    def cash_table(self, key: str) -> CashTable:
        for table in self.cash:
            if table.key == key:
                return table
        raise KeyError(f"{self.code}: no cash table {key!r}")

    def title_rule(self, key: str) -> TitleRule:
        for rule in self.titles:
            if rule.key == key:
                return rule
        raise KeyError(f"{self.code}: no title {key!r}")

    def assessment_for(self, kind: str, level: str) -> AssessmentRule | None:
        """The annual-assessment rule for studios of ``kind`` at ``level``, if the document sets one."""
        return next((rule for rule in self.assessments if rule.kind == kind and rule.level == level), None)

    def covers_date(self, day: date) -> bool:
        """Whether a competition held on ``day`` falls in the document's period."""
        if self.applies_from and day < self.applies_from:
            return False
        return not (self.valid_until and day > self.valid_until)
