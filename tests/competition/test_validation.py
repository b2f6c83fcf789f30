from decimal import Decimal

import pytest

from competition.validation import Issue, ResultInput, validate_results
from tests.competition.ids import person_id, wrong_check
from tests.purity import web_or_database_modules_loaded


def row(n: int = 1, **fields) -> dict:
    """A valid raw row for person n; keyword arguments override fields."""
    return {"name": f"选手{n}", "id_number": person_id(n), "employer": "温州机床厂",
            "local": "是", "theory": "80", "practical": "90", **fields}


def issues_of(rows, practical_only=False, **kwargs) -> list[Issue]:
    results, issues = validate_results(rows, practical_only=practical_only, **kwargs)
    assert (results == []) == bool(issues)
    return issues


def only_issue(rows, **kwargs) -> Issue:
    issues = issues_of(rows, **kwargs)
    assert len(issues) == 1, [issue.message for issue in issues]
    return issues[0]


def test_valid_rows_become_typed_results_in_order():
    results, issues = validate_results(
        [row(1, group="职工组", team=" 一队 ", medal="金牌", rank="1", base="7"),
         row(2, local="否", theory=85.5, practical=Decimal("70.25"), rank=2)],
        practical_only=False,
    )
    assert issues == []
    assert results[0] == ResultInput(
        name="选手1", id_number=person_id(1), employer="温州机床厂", local=True, group="worker",
        team="一队", theory=Decimal("80"), practical=Decimal("90"), total_given=None, rank=1,
        medal="gold", base_id=7, row=1,
    )
    assert (results[1].local, results[1].theory, results[1].practical, results[1].rank) == (
        False, Decimal("85.5"), Decimal("70.25"), 2)


@pytest.mark.parametrize(("written", "medal"), [
    ("金牌", "gold"), ("金", "gold"), ("Gold", "gold"), ("银牌", "silver"), ("银", "silver"),
    ("铜牌", "bronze"), ("铜", "bronze"), ("优胜奖", "excellence"), ("优秀奖", "excellence"),
    ("", None), ("无", None), (None, None),
])
def test_medal_words(written, medal):
    rank = {"gold": 1, "silver": 2, "bronze": 3, "excellence": 5}.get(medal, 9)
    results, issues = validate_results([row(medal=written, rank=rank)], practical_only=False)
    assert issues == [] and results[0].medal == medal


@pytest.mark.parametrize(("written", "group"), [
    ("职工组", "worker"), ("职工", "worker"), ("学生组", "student"), ("学生", "student"),
    ("worker", "worker"), ("", None),
])
def test_group_words(written, group):
    results, _ = validate_results([row(group=written)], practical_only=False)
    assert results[0].group == group


@pytest.mark.parametrize(("written", "local"), [
    ("是", True), ("否", False), ("Y", True), ("n", False), ("1", True), ("0", False),
    ("true", True), ("FALSE", False), (True, True), (0, False), (1.0, True), ("", False),
])
def test_local_words(written, local):
    results, _ = validate_results([row(local=written)], practical_only=False)
    assert results[0].local is local


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"name": "  "}, "name", "请填写姓名"),
    ({"name": "名" * 51}, "name", "过长"),
    ({"id_number": wrong_check(person_id(1))}, "id_number", "校验位"),
    ({"id_number": "33030219900101001"}, "id_number", "18位"),
    ({"id_number": 3.30302199001010e17}, "id_number", "存成了数字"),
    ({"local": "也许"}, "local", "是否本地"),
    ({"group": "教师组"}, "group", "组别"),
    ({"theory": "100.5"}, "theory", "0到100"),
    ({"theory": "-1"}, "theory", "0到100"),
    ({"practical": "88.125"}, "practical", "两位小数"),
    ({"practical": "八十"}, "practical", "不是有效的数字"),
    ({"practical": "NaN"}, "practical", "不是有效的数字"),
    ({"practical": float("inf")}, "practical", "不是有效的数字"),
    ({"practical": True}, "practical", "不是有效的数字"),
    ({"total": "101"}, "total", "0到100"),
    ({"rank": "0"}, "rank", "正整数"),
    ({"rank": "1.5"}, "rank", "正整数"),
    ({"rank": -2}, "rank", "正整数"),
    ({"medal": "一等奖"}, "medal", "奖牌应为"),
    ({"base": "城东基地"}, "base", "基地编号"),
])
def test_each_bad_field_is_reported_on_its_field(fields, field, words):
    issue = only_issue([row(**fields)])
    assert (issue.row, issue.field) == (1, field)
    assert words in issue.message


def test_scores_accept_two_decimals_units_and_float_noise():
    float_with_noise = 0.1 * 3  # what a spreadsheet formula hands over for 0.3
    assert repr(float_with_noise) != "0.3"
    results, issues = validate_results(
        [row(theory="88.75分", practical=float_with_noise, total="86.50")], practical_only=False,
    )
    assert issues == []
    assert results[0].theory == Decimal("88.75")
    assert results[0].practical == Decimal("0.3")
    assert results[0].total_given == Decimal("86.5")


def test_rank_accepts_chinese_place_wording_and_integral_floats():
    results, _ = validate_results([row(1, rank="第1名"), row(2, rank=2.0)], practical_only=False)
    assert [result.rank for result in results] == [1, 2]


def test_every_problem_of_every_row_is_reported_in_row_then_field_order():
    issues = issues_of([row(1, practical="abc", name=""), row(2), row(3, id_number="123")])
    assert [(issue.row, issue.field) for issue in issues] == [
        (1, "name"), (1, "practical"), (3, "id_number")]


def test_row_numbers_and_column_names_are_carried_into_issues():
    issue = only_issue([row(1), row(2, theory="200")], row_numbers=[5, 6],
                       column_names={"theory": "理论成绩（30%）"})
    assert (issue.row, issue.field, issue.column) == (6, "theory", "理论成绩（30%）")


def test_row_numbers_must_match_rows():
    with pytest.raises(ValueError):
        validate_results([row()], practical_only=False, row_numbers=[1, 2])


def test_same_person_twice_is_reported_on_the_later_row_naming_the_first():
    issue = only_issue([row(1), row(2), row(1, name="同一人", id_number=person_id(1).replace("X", "x"))])
    assert (issue.row, issue.field, issue.params) == (3, "id_number", {"first_row": 1})
    assert "第1行" in issue.message


def test_scores_required_when_ranks_are_computed():
    issues = issues_of([row(theory=None, practical="")])
    assert [(issue.field, "请填写" in issue.message) for issue in issues] == [
        ("theory", True), ("practical", True)]


def test_practical_only_event_needs_no_theory():
    assert issues_of([row(theory=None)], practical_only=True) == []
    assert only_issue([row(theory=None, practical=None)], practical_only=True).field == "practical"


def test_scores_optional_when_organiser_gives_ranks():
    assert issues_of([row(1, theory=None, practical=None, rank=1),
                      row(2, theory=None, practical=None, rank=2)]) == []


def test_ranks_all_or_none():
    issues = issues_of([row(1, rank=1), row(2), row(3, rank=3), row(4)])
    assert [(issue.row, issue.field) for issue in issues] == [(2, "rank"), (4, "rank")]
    assert "全部填写或全部不填" in issues[0].message


@pytest.mark.parametrize(("medal", "rank", "words"), [
    ("金牌", 2, "金牌应对应第1名"),
    ("银牌", 1, "银牌应对应第2名"),
    ("铜牌", 4, "铜牌应对应第3名"),
    ("优胜奖", 1, "前三名"),
    ("优胜奖", 3, "前三名"),
])
def test_medal_must_agree_with_rank(medal, rank, words):
    issue = only_issue([row(medal=medal, rank=rank)])
    assert issue.field == "medal" and words in issue.message


@pytest.mark.parametrize(("medal", "rank"), [("金牌", 1), ("银牌", 2), ("铜牌", 3), ("优胜奖", 4), (None, 1)])
def test_medal_agreeing_with_rank_is_accepted(medal, rank):
    assert issues_of([row(medal=medal, rank=rank)]) == []


def test_team_members_share_rank_and_medal():
    issues = issues_of([
        row(1, team="一队", rank=1, medal="金牌"),
        row(2, team="一队", rank=2, medal="金牌"),
        row(3, team="二队", rank=2),
        row(4, team="二队", rank=2, medal="银牌"),
    ])
    assert [(issue.row, issue.field) for issue in issues] == [(2, "rank"), (2, "medal"), (4, "medal")]
    assert issues[0].params == {"first_row": 1, "first_rank": 1}
    assert [issue.message for issue in issues] == [
        "同一团队成员的名次应相同（第1行为第1名）",
        "金牌应对应第1名",
        "同一团队成员的奖牌应相同（以第3行为准）",
    ]


def test_a_team_member_without_rank_is_reported_once():
    issue = only_issue([row(1, team="一队", rank=1), row(2, team="一队")])
    assert (issue.row, issue.field) == (2, "rank") and "全部填写" in issue.message


def test_same_team_name_in_different_groups_are_different_teams():
    assert issues_of([row(1, team="一队", group="职工组", rank=1),
                      row(2, team="一队", group="学生组", rank=2)]) == []


def test_a_row_that_is_not_an_object_is_reported_not_raised():
    issue = only_issue([row(1), ["选手", "330302199001010013"]])
    assert issue.row == 2


def test_message_fills_parameters_and_plain_templates_stay_as_they_are():
    assert Issue(3, "rank", "与第%(first_row)d行", {"first_row": 1}).message == "与第1行"
    assert Issue(3, "rank", "名次应为正整数").message == "名次应为正整数"


def test_plain_rule_modules_import_no_web_or_database_package():
    assert web_or_database_modules_loaded("competition.validation", "competition.ranking", "competition.spreadsheet",
                                          "bureau.idnumber") == []
