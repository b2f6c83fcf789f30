"""Checking competition results: the one validation behind the web table, uploads and the API.

Input rows are plain dicts keyed by the API field names::

    name, id_number, employer, local, group, team, theory, practical, total, rank, medal, base

Values may be what JSON gives (str, int, float, bool, None) or what a spreadsheet cell holds
(the same, plus Decimal). ``validate_results`` turns them into typed ``ResultInput`` records or
reports every problem as an ``Issue``; it is all or nothing, so a caller cannot save half a list.

Messages are Simplified Chinese templates marked with ``N_`` for extraction; the web layer
translates ``Issue.message_template`` and fills in ``Issue.params``. The row and the column are
carried by the Issue, not written into the message, because the pages show them in their own
columns.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from bureau.text import N_
from bureau.idnumber import id_number_problem, normalise_id_number

GOLD, SILVER, BRONZE, EXCELLENCE = "gold", "silver", "bronze", "excellence"
MEDALS = (GOLD, SILVER, BRONZE, EXCELLENCE)
MEDAL_RANKS = {GOLD: 1, SILVER: 2, BRONZE: 3}
WORKER, STUDENT = "worker", "student"

# API field names in the order problems are reported within a row.
FIELDS = (
    "name", "id_number", "employer", "local", "group", "team",
    "theory", "practical", "total", "rank", "medal", "base",
)

MAX_NAME_LENGTH = 50
MAX_EMPLOYER_LENGTH = 200
MAX_TEAM_LENGTH = 100
MAX_SCORE = Decimal(100)
MAX_INTEGER = 2**31 - 1  # ranks and base ids fit a database integer column
CENT = Decimal("0.01")

# Words accepted in files and forms, after NFKC normalisation, trimming and lower-casing.
MEDAL_WORDS = {
    **dict.fromkeys(("金牌", "金", "金奖", "gold"), GOLD),
    **dict.fromkeys(("银牌", "银", "银奖", "silver"), SILVER),
    **dict.fromkeys(("铜牌", "铜", "铜奖", "bronze"), BRONZE),
    **dict.fromkeys(("优胜奖", "优秀奖", "优胜", "excellence"), EXCELLENCE),
}
GROUP_WORDS = {
    **dict.fromkeys(("职工组", "职工", "worker"), WORKER),
    **dict.fromkeys(("学生组", "学生", "student"), STUDENT),
}
LOCAL_WORDS = {
    **dict.fromkeys(("是", "y", "yes", "1", "true", "本地"), True),
    **dict.fromkeys(("否", "n", "no", "0", "false", "外地"), False),
}
# Written in a cell to say "none"; treated as blank.
NONE_WORDS = frozenset(("无", "-", "/", "—"))

# Excel shows 15 significant digits; reading a float cell the same way turns a formula's
# 86.49999999999999 back into the 86.5 the organiser saw.
_FLOAT_SIGNIFICANT_DIGITS = 15
_RANK_AFFIXES = re.compile(r"^第|名$")
_SCORE_UNIT = re.compile(r"分$")


@dataclass(frozen=True)
class Issue:
    """One problem found in the input, tied to a row and a field.

    ``row`` is what the person sees: the spreadsheet row number for uploads, the 1-based list
    position for the API. ``field`` is the API field name; ``column`` is the header text as
    written in the uploaded file (``None`` outside uploads).
    """

    row: int
    field: str
    message_template: str
    params: dict = field(default_factory=dict)
    column: str | None = None

    @property
    def message(self) -> str:
        """The untranslated message with its parameters filled in."""
        return fill_message(self.message_template, self.params)


def fill_message(message_template: str, params: Mapping[str, object]) -> str:
    """``message_template % params``; a template without parameters is returned as it is."""
    return message_template % params if params else message_template


@dataclass(frozen=True)
class ResultInput:
    """One contestant's validated result, as entered (nothing computed yet).

    ``group`` is ``None`` when the row names no group (the competition's own group applies).
    ``total_given`` is a total written in the input; ranking computes its own total from the
    scores and uses this one only when the scores are absent. ``row`` is the row number the
    input came from, for reporting problems found later (e.g. by ranking).
    """

    name: str
    id_number: str
    employer: str = ""
    local: bool = False
    group: str | None = None
    team: str | None = None
    theory: Decimal | None = None
    practical: Decimal | None = None
    total_given: Decimal | None = None
    rank: int | None = None
    medal: str | None = None
    base_id: int | None = None
    row: int = 0


class _Invalid(Exception):
    """Raised by a field parser; carries the message template and its parameters."""

    def __init__(self, message_template: str, **params: object) -> None:
        super().__init__(message_template)
        self.message_template = message_template
        self.params = params


def validate_results(
    raw_rows: Sequence[object],
    *,
    practical_only: bool,
    row_numbers: Sequence[int] | None = None,
    column_names: Mapping[str, str] | None = None,
    bases: Collection[int] | None = None,
) -> tuple[list[ResultInput], list[Issue]]:
    """Check and convert raw result rows.

    Returns ``(results, [])`` when every row is valid, else ``([], issues)`` with every problem,
    sorted by row and then by field order.

    ``row_numbers`` gives the row number to report for each raw row (the spreadsheet reader
    passes sheet rows); by default rows are numbered 1, 2, 3 ... as in the API.
    ``column_names`` maps field names to the header text of an uploaded file, so that each
    issue can name the column as the person wrote it.
    ``bases`` are the ids of the training bases a result may name (the registered, active
    competition bases of the competition's policy, which the caller looks up); ``None`` checks
    only that a base is written as an id.

    Rules, besides each field's own format:
    - ranks are given for every row or for none; when none is given, ranking uses the scores,
      so the practical score is required, and the theory score too unless ``practical_only``;
    - a given medal agrees with a given rank (gold 1, silver 2, bronze 3, excellence below 3);
    - a given base is one of ``bases``;
    - the same ID number appears only once;
    - members of one team (same team name within the same group) carry the same given rank
      and the same medal.
    """
    if row_numbers is None:
        row_numbers = range(1, len(raw_rows) + 1)
    elif len(row_numbers) != len(raw_rows):
        raise ValueError("row_numbers must have one number per raw row")
    checker = _Checker(column_names or {}, bases)

    results = [checker.parse_row(raw, row) for raw, row in zip(raw_rows, row_numbers)]
    parsed = [result for result in results if result is not None]
    ranks_given = any(result.rank is not None for result in parsed)
    for result in parsed:
        checker.check_required_scores(result, ranks_given=ranks_given, practical_only=practical_only)
        checker.check_medal_against_rank(result)
    checker.check_duplicate_people(parsed)
    checker.check_teams(parsed)

    if checker.issues:
        field_order = {name: index for index, name in enumerate(FIELDS)}
        issues = sorted(checker.issues, key=lambda issue: (issue.row, field_order.get(issue.field, -1)))
        return [], issues
    return parsed, []


def medal_rank_problem(medal: str | None, rank: int | None) -> str | None:
    """Why ``medal`` cannot go with ``rank`` (a message template), or ``None`` if they agree.

    Only checked when both are present: a rank without a medal, or a medal without a rank, is
    not a contradiction.
    """
    if medal is None or rank is None:
        return None
    if medal == EXCELLENCE:
        return N_("前三名不应获优胜奖") if rank <= 3 else None
    if rank != MEDAL_RANKS[medal]:
        return {
            GOLD: N_("金牌应对应第1名"),
            SILVER: N_("银牌应对应第2名"),
            BRONZE: N_("铜牌应对应第3名"),
        }[medal]
    return None


class _Checker:
    """Collects issues while parsing rows and running the cross-row rules."""

    def __init__(self, column_names: Mapping[str, str], bases: Collection[int] | None) -> None:
        self.column_names = column_names
        self.bases = bases
        self.issues: list[Issue] = []

    def report(self, row: int, field_name: str, message_template: str, **params: object) -> None:
        self.issues.append(
            Issue(row, field_name, message_template, dict(params), self.column_names.get(field_name))
        )

    def parse_row(self, raw: object, row: int) -> ResultInput | None:
        if not isinstance(raw, Mapping):
            self.report(row, "", N_("此行不是有效的成绩记录"))
            return None
        values = {}
        for field_name, parse in _FIELD_PARSERS.items():
            try:
                values[field_name] = parse(raw.get(field_name))
            except _Invalid as invalid:
                self.report(row, field_name, invalid.message_template, **invalid.params)
        if values.get("base") is not None and self.bases is not None and values["base"] not in self.bases:
            # Money goes to the base a result names: only a base the bureau registered for this policy.
            self.report(row, "base", N_("编号%(base)d不是本竞赛适用政策下已登记、有效的竞赛集训基地"), base=values["base"])
        if len(values) < len(_FIELD_PARSERS):
            return None
        return ResultInput(
            name=values["name"],
            id_number=values["id_number"],
            employer=values["employer"],
            local=values["local"],
            group=values["group"],
            team=values["team"],
            theory=values["theory"],
            practical=values["practical"],
            total_given=values["total"],
            rank=values["rank"],
            medal=values["medal"],
            base_id=values["base"],
            row=row,
        )

    def check_required_scores(self, result: ResultInput, *, ranks_given: bool, practical_only: bool) -> None:
        if ranks_given:
            if result.rank is None:
                self.report(result.row, "rank", N_("其他行填写了名次，本行也须填写（名次须全部填写或全部不填）"))
            return
        if result.practical is None:
            self.report(result.row, "practical", N_("请填写实操成绩（未填名次时按成绩排名）"))
        if result.theory is None and not practical_only:
            self.report(result.row, "theory", N_("请填写理论成绩（未填名次时按成绩排名）"))

    def check_medal_against_rank(self, result: ResultInput) -> None:
        problem = medal_rank_problem(result.medal, result.rank)
        if problem:
            self.report(result.row, "medal", problem)

    def check_duplicate_people(self, results: list[ResultInput]) -> None:
        first_row_of: dict[str, int] = {}
        for result in results:
            first_row = first_row_of.setdefault(result.id_number, result.row)
            if first_row != result.row:
                self.report(result.row, "id_number", N_("与第%(first_row)d行是同一身份证号，同一人只能有一条成绩"),
                            first_row=first_row)

    def check_teams(self, results: list[ResultInput]) -> None:
        first_member_of: dict[tuple[str | None, str], ResultInput] = {}
        for result in results:
            if result.team is None:
                continue
            first = first_member_of.setdefault((result.group, result.team), result)
            if first is result:
                continue
            # A missing rank is already reported by the all-or-none rule.
            if None not in (result.rank, first.rank) and result.rank != first.rank:
                self.report(result.row, "rank", N_("同一团队成员的名次应相同（第%(first_row)d行为第%(first_rank)d名）"),
                            first_row=first.row, first_rank=first.rank)
            if result.medal != first.medal:
                self.report(result.row, "medal", N_("同一团队成员的奖牌应相同（以第%(first_row)d行为准）"),
                            first_row=first.row)


# --- field parsers: raw value -> typed value, or raise _Invalid ------------------------------


def _clean_text(value: object) -> str:
    """Trimmed NFKC text of a cell or JSON value; ``""`` for None."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _limited_text(max_length: int):
    def parse(value: object) -> str:
        text = _clean_text(value)
        if len(text) > max_length:
            raise _Invalid(N_("内容过长（最多%(max_length)d个字）"), max_length=max_length)
        return text

    return parse


def _parse_name(value: object) -> str:
    name = _limited_text(MAX_NAME_LENGTH)(value)
    if not name:
        raise _Invalid(N_("请填写姓名"))
    return name


def _parse_id_number(value: object) -> str:
    if isinstance(value, float):
        # 18 digits do not fit a float: the last digits are already gone.
        raise _Invalid(N_("身份证号被存成了数字，末几位可能已丢失，请将该列设为文本格式后重新填写"))
    if isinstance(value, bool):
        raise _Invalid(N_("身份证号应为18位"))
    id_number = normalise_id_number(value)
    problem = id_number_problem(id_number)
    if problem:
        raise _Invalid(problem)
    return id_number


def _parse_optional_team(value: object) -> str | None:
    return _limited_text(MAX_TEAM_LENGTH)(value) or None


def _parse_local(value: object) -> bool:
    """Yes/no: 是/否, Y/N, 1/0, true/false; blank means not local."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)) and value in (0, 1):
        return bool(value)
    text = _clean_text(value).lower()
    if not text:
        return False
    if text in LOCAL_WORDS:
        return LOCAL_WORDS[text]
    raise _Invalid(N_("“是否本地”应填写“是”或“否”"))


def _parse_word(value: object, words: dict[str, str], message: str) -> str | None:
    """A cell that names one of ``words`` (as people write it), or is empty; else ``message``."""
    text = _clean_text(value).lower()
    if not text or text in NONE_WORDS:
        return None
    if text in words:
        return words[text]
    raise _Invalid(message)


def _parse_group(value: object) -> str | None:
    return _parse_word(value, GROUP_WORDS, N_("组别应为“职工组”或“学生组”"))


def _parse_medal(value: object) -> str | None:
    return _parse_word(value, MEDAL_WORDS, N_("奖牌应为金牌、银牌、铜牌或优胜奖"))


def _to_decimal(value: object, *, strip: re.Pattern[str] | None = None) -> Decimal | None:
    """A finite Decimal from a number or numeric text; None for blank; else raise _Invalid."""
    if value is None:
        return None
    if isinstance(value, bool):  # bool is an int subclass; True is not a score
        raise _Invalid(N_("不是有效的数字"))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Invalid(N_("不是有效的数字"))
        return Decimal(f"{value:.{_FLOAT_SIGNIFICANT_DIGITS}g}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str):
        text = _clean_text(value)
        if strip is not None:
            text = strip.sub("", text).strip()
        if not text or text in NONE_WORDS:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _Invalid(N_("不是有效的数字")) from None
    else:
        raise _Invalid(N_("不是有效的数字"))
    if not number.is_finite():
        raise _Invalid(N_("不是有效的数字"))
    return number


def _parse_score(value: object) -> Decimal | None:
    score = _to_decimal(value, strip=_SCORE_UNIT)
    if score is None:
        return None
    if not 0 <= score <= MAX_SCORE:
        raise _Invalid(N_("成绩应在0到100之间"))
    if score != score.quantize(CENT):
        raise _Invalid(N_("成绩最多保留两位小数"))
    return score


def _positive_integer(message_template: str, strip: re.Pattern[str] | None = None):
    def parse(value: object) -> int | None:
        try:
            number = _to_decimal(value, strip=strip)
        except _Invalid:
            raise _Invalid(message_template) from None
        if number is None:
            return None
        if not 1 <= number <= MAX_INTEGER or number != number.to_integral_value():
            raise _Invalid(message_template)
        return int(number)

    return parse


_FIELD_PARSERS = {
    "name": _parse_name,
    "id_number": _parse_id_number,
    "employer": _limited_text(MAX_EMPLOYER_LENGTH),
    "local": _parse_local,
    "group": _parse_group,
    "team": _parse_optional_team,
    "theory": _parse_score,
    "practical": _parse_score,
    "total": _parse_score,
    "rank": _positive_integer(N_("名次应为正整数"), strip=_RANK_AFFIXES),
    "medal": _parse_medal,
    "base": _positive_integer(N_("集训基地应填写基地编号（正整数）")),
}
