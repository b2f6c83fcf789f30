"""The dashboard's rules, as plain data and functions (no Flask, no database).

- What a target can count (``METRICS``) and the filters each count takes.
- Which of a policy document's ``[[targets]]`` we can count, and how (``POLICY_TARGETS``): the
  rest are loaded as *manual* targets, whose figure staff type in, because our data does not
  hold it (training headcounts, school places, vacancies …).
- The period a document's target covers, read from its ``period`` text.
- Progress: the share of the period gone by and the status of a count against its target.
- The kinds of money paid out, and the scope (places and policy documents) of a jurisdiction.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bureau.policies.model import PolicyDocument
from bureau.policies.model import Target as PolicyTarget
from bureau.text import N_

# --- what a target counts ------------------------------------------------------------------------------

FILTERS = ("tier", "category", "award_kind", "studio_kind", "studio_level")


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str
    filters: tuple[str, ...]
    counts: str  # how it is counted, for the page's notes


COMPETITION_FILTERS = ("tier", "category")
STUDIO_FILTERS = ("studio_kind", "studio_level")

METRICS: dict[str, Metric] = {metric.key: metric for metric in (
    Metric("competitions", N_("举办竞赛"), N_("场"), COMPETITION_FILTERS,
           N_("已录入成绩的竞赛（草稿不计），按竞赛年度；每条竞赛登记计一场。")),
    Metric("contestants", N_("参赛选手"), N_("人次"), COMPETITION_FILTERS,
           N_("上述竞赛的成绩条数：同一人参加两项竞赛计两人次。")),
    Metric("awards", N_("奖励"), N_("项"), (*COMPETITION_FILTERS, "award_kind"),
           N_("政策计算出的奖励（待批准与已批准，按就高规则不发的不计），按竞赛年度；团体奖励计一项。")),
    Metric("new_studios", N_("新建工作室/基地"), N_("家"), STUDIO_FILTERS,
           N_("建立日期在统计年度内的工作室、基地（含后来摘牌的）。")),
    Metric("studios_total", N_("工作室/基地总数"), N_("家"), STUDIO_FILTERS,
           N_("年末（本年度为今天）在有效期内、未摘牌的工作室、基地。")),
    Metric("reports_filed", N_("报送年度报告"), N_("份"), STUDIO_FILTERS,
           N_("该年度已提交过的年度报告（含被退回修改的）。")),
    Metric("excellent_studios", N_("考评优秀"), N_("家"), STUDIO_FILTERS,
           N_("已公布的年度考评中评为优秀的单位。")),
    Metric("certificates", N_("发放证书"), N_("份"), (),
           N_("发证日期在统计年度内、现仍有效的证书（已吊销的不计）。")),
    Metric("selection_contests", N_("国赛省级选拔赛"), N_("个"), (),
           N_("经办人员标记为国赛省级选拔赛的竞赛。")),
    Metric("manual", N_("人工填报"), "", (),
           N_("本系统没有这项数据（如培训人次、院校招生），完成数由经办人员填报。")),
)}

COMPARISONS = {"at_least": N_("不少于"), "about": N_("左右"), "range": N_("区间")}
ABOUT_TOLERANCE = 0.9  # 「左右」: 90% of the figure counts as reached

STATUSES = {
    "met": N_("已完成"),
    "on_track": N_("进度正常"),
    "behind": N_("进度滞后"),
    "not_met": N_("未完成"),
    "over": N_("超出上限"),
    "no_data": N_("待填报"),
    "not_started": N_("未开始"),
}

# --- money ---------------------------------------------------------------------------------------------

# Kinds of payment. Awards map by the prefix of their rule key (``cash.national_1``).
MONEY_KINDS = {
    "competition_cash": N_("竞赛获奖奖金"),
    "title_cash": N_("称号奖励"),
    "base_subsidy": N_("集训基地补助"),
    "hosting_subsidy": N_("承办补助"),
    "studio_grant": N_("工作室/基地一次性资助"),
    "assessment_reward": N_("年度考评奖励"),
}
RULE_PREFIX_KINDS = {"cash": "competition_cash", "titles": "title_cash", "base_subsidies": "base_subsidy",
                     "hosting_subsidies": "hosting_subsidy"}
BUDGET_CATEGORIES = {"total": N_("年度预算总额"), **MONEY_KINDS}
MONEY_PAYEES = {"person": N_("个人"), "team": N_("团队"), "base": N_("集训基地"), "organiser": N_("承办单位"),
                "studio": N_("工作室/基地")}


# --- jurisdictions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What belongs to a jurisdiction: the places (itself and the regions its documents list, e.g.
    福建省's nine cities and 平潭) and the policy documents of those places. Competitions count by
    their policy document; studios and assessments by their place (温州市鹿城区 is in 温州市)."""

    jurisdiction: str
    places: tuple[str, ...]
    policy_codes: tuple[str, ...]


def jurisdictions(policies: Mapping[str, PolicyDocument]) -> list[str]:
    return sorted({document.jurisdiction for document in policies.values() if document.jurisdiction})


def scope_for(jurisdiction: str, policies: Mapping[str, PolicyDocument]) -> Scope:
    places = [jurisdiction]
    for document in policies.values():
        if document.jurisdiction == jurisdiction:
            places.extend(row.region for row in document.region_targets if row.region not in places)
    codes = sorted(code for code, document in policies.items()
                   if document.jurisdiction and any(document.jurisdiction.startswith(place) for place in places))
    return Scope(jurisdiction, tuple(places), tuple(codes))


def default_jurisdiction(bureau_name: str, policies: Mapping[str, PolicyDocument]) -> str:
    """The jurisdiction the bureau's name begins with (温州市人力资源和社会保障局 → 温州市)."""
    names = jurisdictions(policies)
    return next((name for name in names if bureau_name.startswith(name)), names[0] if names else "")


# --- a policy document's targets ----------------------------------------------------------------------


@dataclass(frozen=True)
class CountSpec:
    """How one of a document's targets is counted; ``reading`` says why, for the page."""

    metric: str
    filters: Mapping[str, object] = field(default_factory=dict)
    reading: str = ""


# Targets (document code, target key) we can count from our data. Every other target of a
# document is loaded as a manual target (its figure typed in by staff).
POLICY_TARGETS: dict[tuple[str, str], CountSpec] = {
    ("wenzhou-2018", "city_competitions_per_year"): CountSpec("competitions", {"tier": "city"}),
    ("wenzhou-2018", "new_provincial_master_studios"): CountSpec(
        "new_studios", {"studio_kind": "master_studio", "studio_level": "provincial"},
        N_("自文件印发年度起累计新建。")),
    ("wenzhou-2018", "new_city_master_studios"): CountSpec(
        "new_studios", {"studio_kind": "master_studio", "studio_level": "city"}, N_("自文件印发年度起累计新建。")),
    ("wenzhou-2018", "new_city_training_bases"): CountSpec(
        "new_studios", {"studio_kind": "training_base", "studio_level": "city"}, N_("自文件印发年度起累计新建。")),
    ("quanzhou-2023", "master_studios_2025"): CountSpec(
        "studios_total", {"studio_kind": "master_studio"}, N_("读作：2025年末有效的各级技能大师工作室总数。")),
    ("quanzhou-2023", "new_master_studios_per_year"): CountSpec(
        "new_studios", {"studio_kind": "master_studio"}, N_("各级新建技能大师工作室。")),
    ("quanzhou-2023", "competitions_per_year"): CountSpec(
        "competitions", {}, N_("各级各类：本市政策文件登记的全部竞赛。")),
    ("fujian-2023", "provincial_master_studios_per_year"): CountSpec(
        "new_studios", {"studio_kind": "master_studio", "studio_level": "provincial"}),
    ("fujian-2023", "provincial_competitions_2023"): CountSpec(
        "competitions", {"tier": "provincial"},
        N_("每条竞赛登记计一场；一场大赛分几个项目登记时计几场。")),
    ("fujian-2023", "provincial_competitions_class_1_2023"): CountSpec(
        "competitions", {"tier": "provincial", "category": 1}),
    ("fujian-2023", "provincial_competitions_class_2_2023"): CountSpec(
        "competitions", {"tier": "provincial", "category": 2}),
    ("fujian-2023", "national_selection_contests_2023"): CountSpec(
        "selection_contests", {}, N_("按经办人员标记的选拔赛计。")),
    ("taian-2024", "taian_technical_experts_per_year"): CountSpec(
        "awards", {"award_kind": "title"}, N_("按本市政策计算出的称号奖励计；遴选认定的须在系统登记后才计入。")),
}

# Targets the per-region quota table shows (per contest and per region), not as target rows.
QUOTA_TABLE_TARGETS = {("fujian-2023", "contestants_per_event"), ("fujian-2023", "contestants_per_selection_event")}
PER_EVENT_QUOTA = "contestants_per_event"
CONTEST_SIZE = "contestants_per_selection_event"

MANUAL_READING = N_("本系统没有这项数据，完成数由经办人员填报。")


@dataclass(frozen=True)
class Period:
    """``yearly``: every year the document is in force; otherwise the years ``from_year`` … ``year``."""

    yearly: bool
    year: int | None = None
    from_year: int | None = None


def period_of(target: PolicyTarget, document: PolicyDocument) -> Period:
    """Read a target's ``period`` text: 每年; 2023年; 到2025年 / 至2025年 / 到2022年末 (counted from the
    year the document was issued); 到“十四五”末 (2025); 5年内 (from the year of issue)."""
    text = target.period
    start = _start_year(document)
    if "每年" in text:
        return Period(True)
    if "十四五" in text:
        return Period(False, 2025, start)
    within = re.search(r"(\d+)\s*年内", text)
    if within:
        return Period(False, start + int(within.group(1)) - 1, start)
    found = re.search(r"(\d{4})\s*年", text)
    if found:
        year = int(found.group(1))
        cumulative = any(word in text for word in ("到", "至", "末"))
        return Period(False, year, min(start, year) if cumulative else year)
    return Period(True)


def _start_year(document: PolicyDocument) -> int:
    for day in (document.effective_from, document.issued_on, document.applies_from):
        if day is not None:
            return day.year
    return 2000


def in_force(document: PolicyDocument, year: int) -> bool:
    """Whether the document applies to some part of ``year``."""
    start = _start_year(document)
    return start <= year and (document.valid_until is None or document.valid_until.year >= year)


@dataclass(frozen=True)
class PlannedTarget:
    """A document's target as it would be stored for one jurisdiction and year."""

    key: str
    label: str
    metric: str
    filters: Mapping[str, object]
    comparison: str
    value: float
    value_max: float | None
    unit: str
    year: int
    from_year: int
    note: str
    reading: str


@dataclass(frozen=True)
class Skipped:
    key: str
    label: str
    reason: str  # an N_ template with ``%(year)s``
    year: int | None = None


def plan_policy_targets(document: PolicyDocument, year: int) -> tuple[list[PlannedTarget], list[Skipped]]:
    """The document's targets that apply to ``year``, ready to store, and the ones left out (why)."""
    planned, skipped = [], []
    for target in document.targets:
        period = period_of(target, document)
        if (document.code, target.key) in QUOTA_TABLE_TARGETS:
            skipped.append(Skipped(target.key, target.label, N_("在分地区选派表中逐项显示")))
            continue
        if period.yearly:
            if not in_force(document, year):
                skipped.append(Skipped(target.key, target.label, N_("文件在%(year)s年不适用"), year))
                continue
            from_year = year
        elif period.year != year:
            skipped.append(Skipped(target.key, target.label, N_("目标年度为%(year)s年"), period.year))
            continue
        else:
            from_year = period.from_year or year
        spec = POLICY_TARGETS.get((document.code, target.key), CountSpec("manual", {}, MANUAL_READING))
        comparison, value, value_max = _comparison(target)
        unit = target.unit.replace("左右", "").strip()
        planned.append(PlannedTarget(
            key=target.key, label=target.label, metric=spec.metric, filters=dict(spec.filters),
            comparison=comparison, value=value, value_max=value_max, unit=unit, year=year, from_year=from_year,
            note=f"{target.clause.citation}：「{target.clause.quote}」" + (f" {target.reading}" if target.reading else ""),
            reading=spec.reading))
    return planned, skipped


def _comparison(target: PolicyTarget) -> tuple[str, float, float | None]:
    if target.value_min is not None and target.value_max is not None:
        return "range", target.value_min, target.value_max
    if target.value_min is not None:
        return "at_least", target.value_min, None
    if target.value is None:
        return "at_least", target.value_max or 0, None  # a bare maximum: read as the figure to reach
    about = "左右" in target.unit or "左右" in target.label
    return ("about" if about else "at_least"), target.value, None


# --- progress -------------------------------------------------------------------------------------------


def elapsed_share(from_year: int, year: int, today: date) -> float:
    """How much of the years ``from_year`` … ``year`` has gone by on ``today`` (0 to 1)."""
    start, end = date(from_year, 1, 1), date(year, 12, 31)
    if today < start:
        return 0.0
    if today >= end:
        return 1.0
    return ((today - start).days + 1) / ((end - start).days + 1)


def status_of(actual: float | None, value: float, value_max: float | None, comparison: str, elapsed: float) -> str:
    """``met``, ``over`` (above a range), ``not_met`` (period over), ``not_started``, ``on_track``
    (the count keeps pace with the time gone by), ``behind``, or ``no_data`` (manual, not filled in)."""
    if actual is None:
        return "no_data"
    if comparison == "range" and value_max is not None and actual > value_max:
        return "over"
    threshold = value * ABOUT_TOLERANCE if comparison == "about" else value
    if actual >= threshold:
        return "met"
    if elapsed >= 1:
        return "not_met"
    if elapsed <= 0:
        return "not_started"
    return "on_track" if actual >= threshold * elapsed else "behind"


def share(actual: float | None, value: float) -> float | None:
    """The count as a share of the target (0.74 for 37 of 50); None without a count or target."""
    if actual is None or not value:
        return None
    return actual / value


def number_text(value) -> str:
    """12, 12.5, 1,150,000 — as people write counts (Decimal or float in, no trailing zeros)."""
    if value is None:
        return ""
    number = float(value)
    if number == int(number):
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


WAN = N_("万")  # ten thousand, as money is written on the charts


def wan(amount: int | float, unit: str = WAN) -> str:
    """Money for chart labels: 8,000 → 8000; 125,000 → 12.5万 (``unit`` is the translated 万)."""
    if abs(amount) >= 10000:
        return f"{amount / 10000:,.1f}".rstrip("0").rstrip(".") + unit
    return f"{int(amount)}"
