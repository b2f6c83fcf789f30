"""Competition results → awards (skill level, title, cash) under a policy document.

Plain functions over plain data: no Flask, no database. The web layer loads the documents once
(``bureau.policies.load_policies``), turns rows into ``CompetitionFacts`` / ``ResultFacts`` and
stores the ``Award`` objects it gets back.

    awards = convert_competition(competition, results, policies[competition.policy], history)
    why_not = explain_no_award(competition, result, policies[competition.policy], results)

Every function takes the policy document as an argument, so a what-if copy
(``bureau.policies.copy_with_changes``) runs on real results without touching real awards;
``compare_costs`` does exactly that.

Conversion has two steps: ``awards_for`` reads the tables of one document for one competition;
``apply_overlap_rules`` then withholds or reduces personal cash a person already had an equal or
higher award for (Wenzhou's 就高 rules), using the person's earlier awards (``PriorAward``).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from bureau.policies import load_policies
from bureau.policies.model import (
    CashTable,
    Medal,
    OverlapRules,
    PolicyDocument,
    PrizeBand,
    RankRange,
    SkillLevelRule,
    Tier,
    TitleRule,
    skill_level_index,
    yuan,
)
from bureau.text import N_

__all__ = [
    "PromotionBand",
    "PrizeBand",
    "CompetitionFacts",
    "ResultFacts",
    "Award",
    "PriorAward",
    "CostTotals",
    "CostComparison",
    "policy_for",
    "awards_for",
    "apply_overlap_rules",
    "convert_competition",
    "explain_no_award",
    "explain_results",
    "confer_selected_title",
    "cost_totals",
    "compare_costs",
]

AwardKind = Literal["skill_level", "title", "cash"]
Payee = Literal["person", "team", "base", "organiser"]

TIER_LABELS = {
    "world": N_("世界技能大赛"),
    "national": N_("国家级"),
    "provincial": N_("省级"),
    "city": N_("市级"),
    "county": N_("县级"),
}
CATEGORY_LABELS = {1: N_("一类"), 2: N_("二类")}
MEDAL_LABELS = {"gold": N_("金牌"), "silver": N_("银牌"), "bronze": N_("铜牌"), "excellence": N_("优胜奖")}
# WorldSkills places are medals; a result entered with a rank but no medal stands for the medal.
MEDAL_FOR_RANK = {1: "gold", 2: "silver", 3: "bronze"}
RANK_FOR_MEDAL = {"gold": 1, "silver": 2, "bronze": 3}


# --- inputs ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromotionBand(RankRange):
    """The competition's own document: places ``from_rank``–``to_rank`` are promoted to ``level``."""

    level: str


@dataclass(frozen=True, kw_only=True)
class CompetitionFacts:
    """What the rules need to know about a competition.

    ``category`` is 1 (一类) or 2 (二类), None for WorldSkills. ``national_games`` marks China's
    national skills games (全国技能大赛); with no category it counts as class 1.
    ``promotions`` and ``prizes`` are the competition's own tables, used where the policy leaves
    levels or amounts to the competition's document.
    """

    id: int
    name: str
    tier: Tier
    category: int | None
    year: int
    held_on: date | None = None
    policy: str
    practical_only: bool = False
    national_games: bool = False
    promotions: tuple[PromotionBand, ...] = ()
    prizes: tuple[PrizeBand, ...] = ()
    organiser_name: str = ""

    def __post_init__(self) -> None:
        # Accept lists from callers but store tuples, so the facts stay hashable and immutable.
        object.__setattr__(self, "promotions", tuple(self.promotions))
        object.__setattr__(self, "prizes", tuple(self.prizes))

    @property
    def effective_category(self) -> int | None:
        if self.category is None and self.national_games and self.tier == "national":
            return 1
        return self.category

    @property
    def label(self) -> str:
        """E.g. 国家级一类, 市级, 世界技能大赛."""
        return TIER_LABELS[self.tier] + CATEGORY_LABELS.get(self.effective_category, "")

    @property
    def awarded_on(self) -> date:
        """The date awards from this competition count from; 1 January of its year if unknown."""
        return self.held_on or date(self.year, 1, 1)


@dataclass(frozen=True, kw_only=True)
class ResultFacts:
    """One contestant's result. ``rank`` is the place within the competition's group.

    ``passed`` is already decided by the caller under the competition's scoring: theory and
    practical both at the pass mark, or practical alone when ``practical_only``; None when a
    score needed to decide is missing (then no level is recognised).
    ``local``: employed in the bureau's jurisdiction. Team members share ``team`` and one place.
    """

    result_id: int
    name: str
    id_number: str
    employer: str = ""
    local: bool
    team: str | None = None
    group: str | None = None
    rank: int | None = None
    medal: Medal | None = None
    passed: bool | None
    base_id: int | None = None


# --- outputs -----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Award:
    """One award. The API fields come first; the rest explains and links it.

    ``amount`` is what is payable; ``table_amount`` is the amount the table sets, which differs
    when an overlap rule pays only the difference. ``needs_review`` marks amounts the document
    gives as a range or limit (proposed at the limit, for staff to set).
    """

    result_id: int | None
    name: str
    id_number: str | None
    kind: AwardKind
    level: str | None = None
    title: str | None = None
    amount: int | None = None
    payee: Payee = "person"
    policy: str
    clause: str
    paid: bool = True
    reason: str = ""
    rule: str
    rule_key: str
    series: str | None = None
    competition_id: int | None = None
    awarded_on: date
    achievement: str = ""
    team: str | None = None
    member_result_ids: tuple[int, ...] = ()
    base_id: int | None = None
    table_amount: int | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    needs_review: bool = False
    note: str = ""

    def api_fields(self) -> dict[str, object]:
        """The fields of the API's award object (without the database's ``id`` and ``status``)."""
        return {
            "result_id": self.result_id,
            "name": self.name,
            "id_number": self.id_number,
            "kind": self.kind,
            "level": self.level,
            "title": self.title,
            "amount": self.amount,
            "payee": self.payee,
            "policy": self.policy,
            "clause": self.clause,
            "paid": self.paid,
            "reason": self.reason,
        }

    def covers(self, result_id: int) -> bool:
        return self.result_id == result_id or result_id in self.member_result_ids


@dataclass(frozen=True, kw_only=True)
class PriorAward:
    """An award a person already holds, for the overlap rules.

    ``amount`` is the award's level in yuan (its table amount, not a top-up actually paid);
    ``achievement`` identifies what it was for (``competition:<id>`` for competition awards), so
    an equal award for the same achievement is not paid twice.
    """

    id_number: str
    policy: str
    series: str
    amount: int
    awarded_on: date
    achievement: str = ""

    @classmethod
    def from_award(cls, award: Award) -> PriorAward:
        if award.id_number is None or award.series is None:
            raise ValueError("only personal awards in an overlap series can become history")
        return cls(
            id_number=award.id_number,
            policy=award.policy,
            series=award.series,
            amount=award.table_amount if award.table_amount is not None else award.amount or 0,
            awarded_on=award.awarded_on,
            achievement=award.achievement,
        )


# --- conversion ------------------------------------------------------------------------------------


def policy_for(competition: CompetitionFacts, policies: Mapping[str, PolicyDocument]) -> PolicyDocument:
    """The document a competition is registered under; KeyError naming the code if unknown."""
    try:
        return policies[competition.policy]
    except KeyError:
        raise KeyError(f"competition {competition.id}: unknown policy {competition.policy!r}") from None


def awards_for(
    competition: CompetitionFacts, results: Sequence[ResultFacts], policy: PolicyDocument
) -> list[Award]:
    """Every award the document's tables give for this competition, before the overlap rules."""
    return _evaluate(competition, results, policy).awards


def convert_competition(
    competition: CompetitionFacts,
    results: Sequence[ResultFacts],
    policy: PolicyDocument,
    history: Iterable[PriorAward] = (),
) -> list[Award]:
    """``awards_for`` then ``apply_overlap_rules`` with the person's earlier awards."""
    return apply_overlap_rules(awards_for(competition, results, policy), history, {policy.code: policy})


def explain_no_award(
    competition: CompetitionFacts,
    result: ResultFacts,
    policy: PolicyDocument,
    all_results: Sequence[ResultFacts] = (),
) -> list[str]:
    """Why each rule that could apply gave this result nothing, in Chinese.

    E.g. ``第9名：国家级一类竞赛奖励限前8名``. Empty when every applicable rule gave something.
    Pass ``all_results`` when teams are paid once, so the team's members are judged together.
    """
    results = list(all_results)
    if not any(other.result_id == result.result_id for other in results):
        results.append(result)
    return explain_results(competition, results, policy).get(result.result_id, [])


def explain_results(
    competition: CompetitionFacts, results: Sequence[ResultFacts], policy: PolicyDocument
) -> dict[int, list[str]]:
    """``explain_no_award`` for a whole competition in one pass: result id → reasons (only
    results with reasons appear)."""
    return dict(_evaluate(competition, results, policy).misses)


def confer_selected_title(
    policy: PolicyDocument,
    title_key: str,
    nominees: Sequence[ResultFacts],
    conferred_on: date,
    competition: CompetitionFacts | None = None,
) -> list[Award]:
    """Awards for a title the bureau confers by selection (e.g. Tai'an's 泰安市技术能手).

    The document ties such titles to no competition place, so staff choose the people; each gets
    the title and, if the document sets one, its cash. Nominees beyond the annual quota are
    marked ``needs_review``; a local-only title's cash is left out for non-local nominees.
    """
    rule = policy.title_rule(title_key)
    if rule.conferral != "selection":
        raise ValueError(f"{policy.code}: title {title_key!r} follows from competition places, not selection")
    awards = []
    for position, nominee in enumerate(nominees, start=1):
        over_quota = rule.annual_quota is not None and position > rule.annual_quota
        shared = dict(
            result_id=nominee.result_id,
            name=nominee.name,
            id_number=nominee.id_number,
            policy=policy.code,
            clause=rule.clause.citation,
            rule=N_("{label}：经办人员遴选认定").format(label=rule.label),
            rule_key=f"titles.{rule.key}",
            competition_id=competition.id if competition else None,
            awarded_on=conferred_on,
            achievement=f"title:{rule.key}:{conferred_on.isoformat()}",
            team=nominee.team,
            needs_review=over_quota,
            note=N_("超出年度名额（约{quota}名），待复核").format(quota=rule.annual_quota) if over_quota else "",
        )
        awards.append(Award(kind="title", title=rule.title, **shared))
        if rule.amount is None:
            continue
        if rule.local_only and not nominee.local:
            awards[-1] = dataclasses.replace(
                awards[-1], note=N_("非本地企业人员：{title}奖励仅限本市企业人员，不发奖金").format(title=rule.title)
            )
            continue
        awards.append(Award(kind="cash", amount=rule.amount, table_amount=rule.amount, **shared))
    return awards


# --- evaluation: one pass that both awards and explains --------------------------------------------


@dataclass
class _Ledger:
    awards: list[Award] = field(default_factory=list)
    misses: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))

    def miss(self, results: Iterable[ResultFacts], reason: str) -> None:
        for result in results:
            self.misses[result.result_id].append(reason)


@dataclass(frozen=True)
class _Context:
    competition: CompetitionFacts
    policy: PolicyDocument

    @property
    def tier(self) -> str:
        return self.competition.tier

    @property
    def category(self) -> int | None:
        return self.competition.effective_category

    def award(self, **fields: object) -> Award:
        return Award(
            policy=self.policy.code,
            competition_id=self.competition.id,
            awarded_on=self.competition.awarded_on,
            achievement=f"competition:{self.competition.id}",
            **fields,
        )


def _evaluate(competition: CompetitionFacts, results: Sequence[ResultFacts], policy: PolicyDocument) -> _Ledger:
    ledger = _Ledger()
    outside = _outside_period(competition, policy)
    if outside:
        ledger.miss(results, outside)
        return ledger
    context = _Context(competition, policy)
    # Each family returns whether the document has rules of its kind for this tier, so a result
    # that no family speaks to can be told that the document sets nothing for the tier.
    any_rules = False
    for family in (_skill_levels, _automatic_titles, _personal_cash, _base_subsidies):
        any_rules |= family(context, results, ledger)
    _hosting_subsidy(context, ledger)
    if not any_rules:
        ledger.miss(results, N_("{policy}未对{competition}竞赛设定奖励或技能等级认定").format(
            policy=policy.short_name, competition=competition.label))
    return ledger


def _outside_period(competition: CompetitionFacts, policy: PolicyDocument) -> str | None:
    """Why the competition falls outside the document's period, or None.

    With only the year known, a competition in the boundary year is given the benefit of the doubt.
    """
    start, end = policy.applies_from, policy.valid_until
    if competition.held_on is not None:
        held = competition.held_on.isoformat()
        early = start is not None and competition.held_on < start
        late = end is not None and competition.held_on > end
    else:
        held = N_("{year}年").format(year=competition.year)
        early = start is not None and competition.year < start.year
        late = end is not None and competition.year > end.year
    if early:
        return N_("竞赛举办于{held}，早于{policy}的适用起始日{start}").format(
            held=held, policy=policy.short_name, start=start.isoformat())
    if late:
        return N_("竞赛举办于{held}，{policy}已于{end}失效").format(
            held=held, policy=policy.short_name, end=end.isoformat())
    return None


def _rule_for_competition(context: _Context, rules, results: Sequence[ResultFacts], ledger: _Ledger,
                          missing: str):
    """The rule (or table) of ``rules`` for this competition's tier and category.

    Returns ``(considered, rule)``: ``considered`` is False when no rule is for this tier at all;
    when the tier has rules but none for this category, ``rule`` is None and every result is told
    why with ``missing`` (a template with {competition} and {policy}).
    """
    for_tier = [rule for rule in rules if context.tier in rule.tiers]
    if not for_tier:
        return False, None
    rule = next((rule for rule in for_tier if rule.applies_to(context.tier, context.category)), None)
    if rule is None:
        ledger.miss(results, missing.format(competition=context.competition.label,
                                            policy=context.policy.short_name))
    return True, rule


def _skill_levels(context: _Context, results: Sequence[ResultFacts], ledger: _Ledger) -> bool:
    considered, rule = _rule_for_competition(context, context.policy.skill_levels, results, ledger,
                                             N_("{competition}竞赛：{policy}未设技能等级认定"))
    if rule is None:
        return considered
    for result in results:
        if not result.passed:
            ledger.miss([result], _not_passed_reason(context.competition, result))
            continue
        level, explanation = _recognised_level(context.competition, rule, result)
        ledger.awards.append(context.award(
            result_id=result.result_id, name=result.name, id_number=result.id_number, team=result.team,
            kind="skill_level", level=level, clause=rule.clause.citation, rule=explanation,
            rule_key=f"skill_levels.{rule.key}"))
    return True


def _not_passed_reason(competition: CompetitionFacts, result: ResultFacts) -> str:
    if result.passed is None:
        return N_("成绩不全，无法判定是否合格")
    if competition.practical_only:
        return N_("操作技能成绩未达合格线（本项目只考操作技能）")
    return N_("理论或操作技能成绩未达合格线")


def _recognised_level(competition: CompetitionFacts, rule: SkillLevelRule, result: ResultFacts) -> tuple[str, str]:
    """The level a passing result is recognised at, and why (base level, promotion, cap)."""
    base = N_("{label}：成绩合格，认定为{level}")
    promotion = next((band for band in competition.promotions if band.covers(result.rank)), None)
    if promotion is None or rule.promotion_cap is None:
        return rule.level, base.format(label=rule.label, level=rule.level)
    promoted = max(rule.level, promotion.level, key=skill_level_index)
    if skill_level_index(promoted) > skill_level_index(rule.promotion_cap):
        return rule.promotion_cap, N_("{label}：成绩合格，第{rank}名按竞赛文件晋升至{asked}，本文件最高至{cap}，认定为{cap}").format(
            label=rule.label, rank=result.rank, asked=promotion.level, cap=rule.promotion_cap)
    return promoted, N_("{label}：成绩合格，第{rank}名按竞赛文件晋升，认定为{level}").format(
        label=rule.label, rank=result.rank, level=promoted)


def _automatic_titles(context: _Context, results: Sequence[ResultFacts], ledger: _Ledger) -> bool:
    rules = [rule for rule in context.policy.titles
             if rule.conferral == "automatic" and context.tier in rule.tiers]
    for rule in rules:
        if not rule.applies_to(context.tier, context.category):
            # Told only to those whose place would have earned it in the right category.
            ledger.miss([result for result in results if rule.places.covers(result.rank)],
                        N_("{title}仅授予{scope}竞赛获奖选手").format(title=rule.title, scope=_scope_label(rule)))
            continue
        for result in results:
            reasons = []
            if not rule.places.covers(result.rank):
                reasons.append(_place_miss(result.rank, N_("{title}限{competition}竞赛{places}").format(
                    title=rule.title, competition=context.competition.label, places=_places_label(rule.places))))
            if rule.local_only and not result.local:
                reasons.append(N_("非本市选手：{title}仅授予本市选手").format(title=rule.title))
            if reasons:
                ledger.miss([result], "；".join(reasons))
                continue
            ledger.awards.append(context.award(
                result_id=result.result_id, name=result.name, id_number=result.id_number, team=result.team,
                kind="title", title=rule.title, clause=rule.clause.citation,
                rule=N_("{label}：{competition}竞赛第{rank}名").format(
                    label=rule.label, competition=context.competition.label, rank=result.rank),
                rule_key=f"titles.{rule.key}"))
    return bool(rules)


def _personal_cash(context: _Context, results: Sequence[ResultFacts], ledger: _Ledger) -> bool:
    considered, table = _rule_for_competition(context, context.policy.cash, results, ledger,
                                              N_("{competition}竞赛：{policy}未设个人奖金"))
    if table is None:
        return considered
    eligibility = context.policy.eligibility
    for unit in _payment_units(results, once_per_team=eligibility.team_payment == "once_per_team"):
        lead = unit[0]
        as_team = eligibility.team_payment == "once_per_team" and lead.team is not None
        reasons = []
        price = _price(context, table, lead)
        if isinstance(price, str):
            reasons.append(price)
        if eligibility.local_only:
            locals_ = [member.local for member in unit]
            if as_team and not (all(locals_) if eligibility.team_all_local else any(locals_)):
                reasons.append(N_("团队成员并非均为本地企业人员：{why}").format(why=eligibility.local_only_reason))
            elif not as_team and not lead.local:
                reasons.append(N_("非本地企业选手：{why}").format(why=eligibility.local_only_reason))
        if reasons:
            ledger.miss(unit, "；".join(reasons))
            continue
        amount, explanation = price
        ledger.awards.append(context.award(
            result_id=lead.result_id,
            name=lead.team if as_team else lead.name,
            id_number=None if as_team else lead.id_number,
            team=lead.team,
            member_result_ids=tuple(member.result_id for member in unit) if as_team else (),
            kind="cash", amount=amount, table_amount=amount, payee="team" if as_team else "person",
            series=None if as_team else table.series,
            clause=table.clause.citation, rule=explanation, rule_key=f"cash.{table.key}"))
    return True


def _payment_units(results: Sequence[ResultFacts], *, once_per_team: bool) -> list[list[ResultFacts]]:
    """Who is paid together: a team once (its lowest result id leads), otherwise each person."""
    if not once_per_team:
        return [[result] for result in results]
    units: dict[object, list[ResultFacts]] = {}
    for result in sorted(results, key=lambda result: result.result_id):
        key = ("team", result.group, result.team) if result.team else ("person", result.result_id)
        units.setdefault(key, []).append(result)
    return list(units.values())


def _price(context: _Context, table: CashTable, result: ResultFacts) -> tuple[int, str] | str:
    """The amount for ``result`` under ``table`` and the rule text, or why there is none."""
    if table.basis == "medals":
        medal = result.medal or MEDAL_FOR_RANK.get(result.rank)
        prize = next((prize for prize in table.medals if prize.medal == medal), None)
        if prize is None:
            return N_("未获奖牌或优胜奖：{label}按奖牌计发").format(label=table.label)
        return prize.amount, N_("{label}：{medal}，{amount}").format(
            label=table.label, medal=MEDAL_LABELS[prize.medal], amount=yuan(prize.amount))
    from_competition = table.basis == "competition_prizes"
    bands = context.competition.prizes if from_competition else table.bands
    if from_competition and not bands:
        return N_("本竞赛文件未设奖金档次：{label}").format(label=table.label)
    band = next((band for band in bands if band.covers(result.rank)), None)
    if band is None:
        last = max(band.to_rank for band in bands)
        if result.rank is not None and result.rank <= last:  # a gap in the competition's own table
            return _place_miss(result.rank, N_("不在{label}的奖金档次内").format(label=table.label))
        limit = N_("本竞赛文件奖金限前{last}名") if from_competition else N_("{competition}竞赛奖励限前{last}名")
        return _place_miss(result.rank, limit.format(competition=context.competition.label, last=last))
    source = N_("按竞赛文件") if from_competition else ""
    places = "" if band.from_rank == band.to_rank else N_("（{places}档）").format(places=_places_label(band))
    return band.amount, N_("{label}：第{rank}名{places}，{source}{amount}").format(
        label=table.label, rank=result.rank, places=places, source=source, amount=yuan(band.amount))


def _base_subsidies(context: _Context, results: Sequence[ResultFacts], ledger: _Ledger) -> bool:
    rule = next((rule for rule in context.policy.base_subsidies if rule.tier == context.tier), None)
    if rule is None:
        return False
    # A team of one base earns one subsidy: it is one place, not one per member.
    units: dict[object, list[ResultFacts]] = {}
    for result in sorted(results, key=lambda result: result.result_id):
        key = (result.group, result.team, result.base_id) if result.team and result.base_id else result.result_id
        units.setdefault(key, []).append(result)
    for unit in units.values():
        lead = unit[0]
        if lead.base_id is None:
            ledger.miss(unit, N_("非集训基地选手：{label}按基地培养的选手计发").format(label=rule.label))
            continue
        place = RANK_FOR_MEDAL.get(lead.medal) if context.tier == "world" and lead.medal else lead.rank
        if not rule.places.covers(place):
            ledger.miss(unit, _place_miss(place, N_("{label}限{places}").format(
                label=rule.label, places=_places_label(rule.places))))
            continue
        ledger.awards.append(context.award(
            result_id=lead.result_id, name=lead.team or lead.name,
            id_number=None if lead.team else lead.id_number, team=lead.team,
            member_result_ids=tuple(member.result_id for member in unit) if lead.team else (),
            base_id=lead.base_id, kind="cash", amount=rule.amount, table_amount=rule.amount, payee="base",
            clause=rule.clause.citation, rule_key=f"base_subsidies.{rule.key}",
            rule=N_("{label}：基地选手获第{place}名，补助基地{amount}").format(
                label=rule.label, place=place, amount=yuan(rule.amount))))
    return True


def _hosting_subsidy(context: _Context, ledger: _Ledger) -> None:
    """One award to the organiser. Amounts given as a range or limit are proposed at the upper
    limit (the most the budget may need) and flagged for staff to set within the range."""
    rule = next((rule for rule in context.policy.hosting_subsidies
                 if rule.applies_to(context.tier, context.category)), None)
    if rule is None:
        return
    if rule.amount_min is None:
        limit = N_("不超过{most}").format(most=yuan(rule.amount_max))
    else:
        limit = N_("{least}至{most}").format(least=yuan(rule.amount_min), most=yuan(rule.amount_max))
    ledger.awards.append(context.award(
        result_id=None, name=context.competition.organiser_name or N_("承办单位（未登记）"), id_number=None,
        kind="cash", amount=rule.amount_max, table_amount=rule.amount_max,
        amount_min=rule.amount_min, amount_max=rule.amount_max, payee="organiser", needs_review=True,
        clause=rule.clause.citation, rule_key=f"hosting_subsidies.{rule.key}",
        rule=N_("{label}：{limit}，按上限预列{amount}，待经办人员核定").format(
            label=rule.label, limit=limit, amount=yuan(rule.amount_max))))


# --- overlap rules (就高) ---------------------------------------------------------------------------


def apply_overlap_rules(
    new_awards: Sequence[Award],
    history: Iterable[PriorAward],
    policies: Mapping[str, PolicyDocument] | None = None,
) -> list[Award]:
    """Apply each document's rules for one person holding several awards.

    Only personal cash in a series of a document with ``[overlap]`` is affected; everything else
    passes through. New awards are taken in date order, highest first, each judged against the
    person's history under the same document plus the new awards already paid. A withheld award
    stays in the list with ``paid=False`` and a Chinese ``reason``; a top-up keeps ``paid=True``
    with the reduced ``amount`` and a ``note``. ``policies`` defaults to ``load_policies()``.
    """
    documents = load_policies() if policies is None else policies
    held: dict[tuple[str, str], list[PriorAward]] = defaultdict(list)
    for prior in history:
        held[(prior.policy, prior.id_number)].append(prior)
    awards = list(new_awards)
    in_scope = [index for index, award in enumerate(awards) if _overlap_applies(award, documents)]
    in_scope.sort(key=lambda index: (awards[index].awarded_on, -(awards[index].table_amount or 0), index))
    for index in in_scope:
        award = awards[index]
        rules = documents[award.policy].overlap
        priors = held[(award.policy, award.id_number)]
        awards[index] = decided = _overlap_decision(award, priors, rules)
        if decided.paid:
            priors.append(PriorAward.from_award(decided))
    return awards


def _overlap_applies(award: Award, documents: Mapping[str, PolicyDocument]) -> bool:
    if award.kind != "cash" or award.payee != "person" or not award.paid or award.series is None:
        return False
    if award.policy not in documents:
        raise KeyError(f"award for result {award.result_id}: unknown policy {award.policy!r}")
    return documents[award.policy].overlap is not None


def _overlap_decision(award: Award, priors: list[PriorAward], rules: OverlapRules) -> Award:
    amount = award.table_amount or 0

    def within_window(prior: PriorAward) -> bool:
        return (award.awarded_on < _add_years(prior.awarded_on, rules.window_years)
                and prior.awarded_on < _add_years(award.awarded_on, rules.window_years))

    def described(prior: PriorAward) -> dict[str, str]:
        series = rules.series.get(prior.series)
        return dict(date=prior.awarded_on.isoformat(), series=series.label if series else prior.series,
                    prior=yuan(prior.amount), amount=yuan(amount))

    same_series = [prior for prior in priors if prior.series == award.series]
    other_recent = [prior for prior in priors if prior.series != award.series and within_window(prior)]
    other_older = [prior for prior in priors if prior.series != award.series and not within_window(prior)]

    best_same = max(same_series, key=lambda prior: prior.amount, default=None)
    if best_same and best_same.amount >= amount:
        return _withheld(award, N_("同序列就高：已于{date}获{series}{prior}，本次{amount}不高于已获奖励，不再发放")
                         .format(**described(best_same)))
    best_recent = max(other_recent, key=lambda prior: prior.amount, default=None)
    if best_recent and best_recent.amount >= amount:
        return _withheld(award, N_("不同序列2年内就高不重复：已于{date}获{series}{prior}，本次{amount}不高于已获奖励，不再发放")
                         .format(**described(best_recent)))
    best_older = max(other_older, key=lambda prior: prior.amount, default=None)
    if best_older and best_older.amount > amount:
        return _withheld(award, N_("2年后新获奖励{amount}低于现有层次（{date}获{series}{prior}），不再奖励")
                         .format(**described(best_older)))
    same_achievement = next((prior for prior in other_older if prior.amount == amount
                             and prior.achievement and prior.achievement == award.achievement), None)
    if same_achievement:
        return _withheld(award, N_("同一成果已于{date}获{series}{prior}，2年后等额奖励须为不同成果，不再发放")
                         .format(**described(same_achievement)))
    lower = max((prior for prior in (best_same, best_recent) if prior), key=lambda prior: prior.amount, default=None)
    if lower is None or not rules.top_up:
        return award
    payable = amount - lower.amount
    return dataclasses.replace(award, amount=payable, note=N_("就高补差：已于{date}获{series}{prior}，本次{amount}只发差额{payable}")
                               .format(payable=yuan(payable), **described(lower)))


def _withheld(award: Award, reason: str) -> Award:
    return dataclasses.replace(award, paid=False, reason=reason)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap target year
        return day.replace(year=day.year + years, day=28)


# --- costs and what-if -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostTotals:
    """Paid cash in yuan. ``under_review`` is the part proposed at a range limit (see Award)."""

    total: int
    by_payee: dict[str, int]
    by_rule: dict[str, int]
    paid_awards: int
    withheld_awards: int
    under_review: int


@dataclass(frozen=True)
class CostComparison:
    actual: CostTotals
    what_if: CostTotals
    competitions: int  # how many competitions under the actual document were converted

    @property
    def difference(self) -> int:
        """What the what-if document costs more (negative: less) than the actual one."""
        return self.what_if.total - self.actual.total


def cost_totals(awards: Iterable[Award]) -> CostTotals:
    by_payee: dict[str, int] = defaultdict(int)
    by_rule: dict[str, int] = defaultdict(int)
    paid = withheld = under_review = 0
    for award in awards:
        if award.kind != "cash":
            continue
        if not award.paid:
            withheld += 1
            continue
        paid += 1
        by_payee[award.payee] += award.amount or 0
        by_rule[award.rule_key] += award.amount or 0
        under_review += (award.amount or 0) if award.needs_review else 0
    return CostTotals(total=sum(by_payee.values()), by_payee=dict(by_payee), by_rule=dict(by_rule),
                      paid_awards=paid, withheld_awards=withheld, under_review=under_review)


def compare_costs(
    results_by_competition: Mapping[CompetitionFacts, Sequence[ResultFacts]]
    | Iterable[tuple[CompetitionFacts, Sequence[ResultFacts]]],
    actual_policy: PolicyDocument,
    what_if_policy: PolicyDocument,
    history: Iterable[PriorAward] = (),
) -> CostComparison:
    """Convert the same results under the actual and a what-if document and total the cash.

    Only competitions registered under ``actual_policy.code`` are converted (others are
    ignored); nothing is stored. ``history`` feeds the overlap rules for both runs.
    """
    pairs = results_by_competition.items() if isinstance(results_by_competition, Mapping) else results_by_competition
    chosen = [(competition, results) for competition, results in pairs if competition.policy == actual_policy.code]
    history = list(history)

    def run(document: PolicyDocument) -> CostTotals:
        awards = [award for competition, results in chosen for award in awards_for(competition, results, document)]
        return cost_totals(apply_overlap_rules(awards, history, {document.code: document}))

    return CostComparison(actual=run(actual_policy), what_if=run(what_if_policy), competitions=len(chosen))


# --- wording -------------------------------------------------------------------------------------------


def _places_label(places: RankRange) -> str:
    if places.from_rank == places.to_rank:
        return N_("第{rank}名").format(rank=places.from_rank)
    if places.from_rank == 1:
        return N_("前{last}名").format(last=places.to_rank)
    return N_("第{first}至{last}名").format(first=places.from_rank, last=places.to_rank)


def _place_miss(rank: int | None, limit: str) -> str:
    if rank is None:
        return N_("无名次：{limit}").format(limit=limit)
    return N_("第{rank}名：{limit}").format(rank=rank, limit=limit)


def _scope_label(rule: TitleRule) -> str:
    categories = "、".join(CATEGORY_LABELS[category] for category in rule.categories)
    return "、".join(TIER_LABELS[tier] + categories for tier in rule.tiers)
