"""Annual assessment (年度考评) of studios and bases: score, rank, grade within the 优秀 quota, reward.

Plain rules over plain data, no Flask or database: the web layer collects one
``AssessmentEntry`` per studio, calls ``assess`` and stores the ``AssessmentOutcome``; when
studios are tied on the 优秀 line, bureau staff decide and the web layer calls ``resolve_tie``.

Readings of the policy (温人社发〔2018〕242号 第14、15条: "每年度对市级技能大师工作室进行考评，
并按大师工作室总数最高15%的比例确定优秀等级，……给予最高5万元的奖励"; bases: 20万元):

* The 优秀 quota is floor(15% × the number of studios assessed) and is never exceeded: "最高"
  is a ceiling, so 6 studios give 0 and 7 give 1.
* "The number assessed" is every studio subject to assessment that year, *including* those with
  no accepted, scored annual report: the seed counts the "总数" (total number) of studios, not
  those that reported, and a studio without a report is still assessed — it is graded 不合格.
  So the caller must pass every such studio, with ``item_scores=None`` where there is no report.
* A studio can only be 优秀 if it is also 合格 (total ≥ the pass score), so seats may stay empty.
* Total scores that are equal are told apart by the rubric's tie-break items (higher first).
  Studios still equal on all of them share a place (1, 2, 2, 4). If such a group straddles the
  quota line, none of it is rated 优秀 automatically — choosing among equals is the bureau's
  decision, not the program's — and no studio ranked below the group takes the seats either.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from itertools import groupby

from bureau.text import N_
from studios.messages import Message, format_points
from studios.rubrics import Rubric, ScoreProblem, TOTAL_POINTS, validate_item_scores

DEFAULT_PASS_SCORE = Decimal(60)
DEFAULT_EXCELLENT_RATIO = Decimal("0.15")


class Grade(StrEnum):
    EXCELLENT = "excellent"
    QUALIFIED = "qualified"
    UNQUALIFIED = "unqualified"

    @property
    def label(self) -> str:
        return _GRADE_LABELS[self]


_GRADE_LABELS = {Grade.EXCELLENT: N_("优秀"), Grade.QUALIFIED: N_("合格"), Grade.UNQUALIFIED: N_("不合格")}

NOTE_NO_REPORT = N_("未提交年度报告或年度报告未通过审核")
NOTE_BELOW_PASS = N_("得分低于合格线%(pass_score)s分")
NOTE_TIED_AT_CAP = N_("并列于优秀名额线，待局里决定")
NOTE_TIE_CHOSEN = N_("并列于优秀名额线，经局里决定评为优秀")
NOTE_TIE_NOT_CHOSEN = N_("并列于优秀名额线，经局里决定未评为优秀")


class AssessmentError(ValueError):
    """The assessment cannot be run or changed as asked; ``message`` says why in Chinese."""

    def __init__(self, message: Message, details: Sequence[ScoreProblem] = ()):
        self.message = message
        self.details = tuple(details)
        super().__init__(str(message))


@dataclass(frozen=True)
class AssessmentEntry:
    """One studio subject to assessment.

    ``item_scores`` maps each rubric item key to its points, or is ``None`` when the studio has
    no accepted, scored annual report for the year (it is then graded 不合格, but still counts).
    """

    studio_id: int
    name: str
    item_scores: Mapping[str, Decimal] | None


@dataclass(frozen=True)
class AssessmentResult:
    studio_id: int
    name: str
    score: Decimal | None
    """Total of the item scores; ``None`` when there was no report."""
    rank: int | None
    """Place by score then tie-break items, equal places shared (1, 2, 2, 4); ``None`` when there was no report."""
    grade: Grade
    reward: int
    """Yuan; the outcome's reward amount for 优秀, else 0."""
    note: Message | None


@dataclass(frozen=True)
class AssessmentOutcome:
    results: tuple[AssessmentResult, ...]
    """Ordered by rank, then studio id; studios without a report last, by studio id."""
    excellent_cap: int
    """Most studios that may be rated 优秀."""
    ties_at_cap: tuple[int, ...]
    """Studio ids tied on the 优秀 line, awaiting the bureau's decision (see ``resolve_tie``)."""
    reward_amount: int
    """Yuan paid to each 优秀 studio, including ones promoted later by ``resolve_tie``."""

    def excellent_count(self) -> int:
        return sum(result.grade is Grade.EXCELLENT for result in self.results)


def excellent_cap(number_assessed: int, excellent_ratio: Decimal = DEFAULT_EXCELLENT_RATIO) -> int:
    """floor(ratio × number assessed): "最高15%" is a ceiling, so the quota rounds down."""
    # Decimal, not float: 0.15 × 20 must be exactly 3, not 3.0000000000000004.
    return math.floor(excellent_ratio * number_assessed)


def assess(
    entries: Sequence[AssessmentEntry],
    *,
    rubric: Rubric,
    pass_score: Decimal = DEFAULT_PASS_SCORE,
    excellent_ratio: Decimal = DEFAULT_EXCELLENT_RATIO,
    reward_amount: int,
    reward_cap: int,
) -> AssessmentOutcome:
    """Grade every studio in ``entries`` (all studios subject to assessment, reported or not).

    Raises ``AssessmentError`` for a reward above the policy cap, out-of-range parameters,
    duplicate studio ids, or item scores that ``validate_item_scores`` refuses.
    """
    _check_parameters(pass_score, excellent_ratio, reward_amount, reward_cap)
    _check_entries(entries, rubric)

    cap = excellent_cap(len(entries), excellent_ratio)
    scored = sorted(
        (entry for entry in entries if entry.item_scores is not None),
        key=lambda entry: (_ranking_key(entry, rubric), entry.studio_id),
    )
    results: list[AssessmentResult] = []
    ties_at_cap: tuple[int, ...] = ()
    seats_left = cap
    quota_closed = False  # set once a group does not fit: nobody ranked lower may be 优秀
    places_taken = 0
    for _, group_iter in groupby(scored, key=lambda entry: _ranking_key(entry, rubric)):
        group = list(group_iter)
        rank = places_taken + 1
        places_taken += len(group)
        total = _total(group[0])
        if total < pass_score:
            grade, note = Grade.UNQUALIFIED, Message(NOTE_BELOW_PASS, {"pass_score": format_points(pass_score)})
        elif not quota_closed and len(group) <= seats_left:
            grade, note = Grade.EXCELLENT, None
            seats_left -= len(group)
        else:
            grade, note = Grade.QUALIFIED, None
            if not quota_closed and seats_left > 0:
                ties_at_cap = tuple(entry.studio_id for entry in group)
                note = Message(NOTE_TIED_AT_CAP)
            quota_closed = True
        reward = reward_amount if grade is Grade.EXCELLENT else 0
        results += [AssessmentResult(entry.studio_id, entry.name, total, rank, grade, reward, note) for entry in group]

    unreported = sorted((entry for entry in entries if entry.item_scores is None), key=lambda entry: entry.studio_id)
    results += [
        AssessmentResult(entry.studio_id, entry.name, None, None, Grade.UNQUALIFIED, 0, Message(NOTE_NO_REPORT))
        for entry in unreported
    ]
    return AssessmentOutcome(tuple(results), cap, ties_at_cap, reward_amount)


def resolve_tie(outcome: AssessmentOutcome, chosen_studio_ids: Iterable[int]) -> AssessmentOutcome:
    """Record the bureau's decision on a tie at the 优秀 line; return the new outcome.

    The chosen studios (some, all or none of ``outcome.ties_at_cap``) become 优秀 with the
    reward; the other tied studios stay 合格. Raises ``AssessmentError`` if there is no tie to
    decide, a chosen studio is not in the tie, or the choice would exceed the 优秀 quota.
    """
    if not outcome.ties_at_cap:
        raise AssessmentError(Message(N_("本次考评没有待决定的优秀名额线并列")))
    chosen = set(chosen_studio_ids)
    strangers = sorted(chosen - set(outcome.ties_at_cap))
    if strangers:
        raise AssessmentError(
            Message(N_("编号为%(ids)s的工作室不在优秀名额线并列名单中"), {"ids": "、".join(map(str, strangers))})
        )
    already_excellent = outcome.excellent_count()
    if already_excellent + len(chosen) > outcome.excellent_cap:
        raise AssessmentError(
            Message(
                N_("优秀名额为%(cap)s个，已评优秀%(taken)s个，最多还能再评%(left)s个，本次选择了%(chosen)s个"),
                {
                    "cap": str(outcome.excellent_cap),
                    "taken": str(already_excellent),
                    "left": str(outcome.excellent_cap - already_excellent),
                    "chosen": str(len(chosen)),
                },
            )
        )

    def decided(result: AssessmentResult) -> AssessmentResult:
        if result.studio_id not in outcome.ties_at_cap:
            return result
        if result.studio_id in chosen:
            return replace(result, grade=Grade.EXCELLENT, reward=outcome.reward_amount, note=Message(NOTE_TIE_CHOSEN))
        return replace(result, note=Message(NOTE_TIE_NOT_CHOSEN))

    return replace(outcome, results=tuple(map(decided, outcome.results)), ties_at_cap=())


def _total(entry: AssessmentEntry) -> Decimal:
    assert entry.item_scores is not None
    return sum((Decimal(points) for points in entry.item_scores.values()), Decimal(0))


def _ranking_key(entry: AssessmentEntry, rubric: Rubric) -> tuple[Decimal, ...]:
    """Ascending sort key for best-first order: total, then the tie-break items, negated."""
    assert entry.item_scores is not None
    return (-_total(entry), *(-Decimal(entry.item_scores[key]) for key in rubric.tie_break))


def _check_parameters(pass_score: Decimal, excellent_ratio: Decimal, reward_amount: int, reward_cap: int) -> None:
    if not 0 <= pass_score <= TOTAL_POINTS:
        raise AssessmentError(Message(N_("合格线应在0到100分之间，现为%(value)s分"), {"value": format_points(pass_score)}))
    if not 0 <= excellent_ratio <= 1:
        raise AssessmentError(Message(N_("优秀比例应在0到1之间，现为%(value)s"), {"value": str(excellent_ratio)}))
    for amount in (reward_amount, reward_cap):
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise AssessmentError(Message(N_("奖励金额应为不小于0的整数（元），现为%(value)s"), {"value": str(amount)}))
    if reward_amount > reward_cap:
        raise AssessmentError(
            Message(
                N_("优秀奖励%(amount)s元超过政策规定的最高%(cap)s元"),
                {"amount": str(reward_amount), "cap": str(reward_cap)},
            )
        )


def _check_entries(entries: Sequence[AssessmentEntry], rubric: Rubric) -> None:
    seen: set[int] = set()
    for entry in entries:
        if entry.studio_id in seen:
            raise AssessmentError(Message(N_("工作室编号%(id)s重复"), {"id": str(entry.studio_id)}))
        seen.add(entry.studio_id)
        if entry.item_scores is None:
            continue
        problems = validate_item_scores(rubric, entry.item_scores)
        if problems:
            raise AssessmentError(
                Message(
                    N_("工作室“%(name)s”（编号%(id)s）的评分有误：%(first)s"),
                    {"name": entry.name, "id": str(entry.studio_id), "first": str(problems[0])},
                ),
                details=problems,
            )
