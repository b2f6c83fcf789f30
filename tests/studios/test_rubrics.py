from decimal import Decimal
from pathlib import Path

import pytest

from studios.rubrics import KINDS, RubricError, load_rubric, read_rubric, validate_item_scores

VALID_RUBRIC = """\
kind = "{kind}"
label = "测试工作室"
tie_break = ["b", "a"]

[[items]]
key = "a"
label = "甲项"
max = 60
description = "甲项说明"

[[items]]
key = "b"
label = "乙项"
max = 40
description = "乙项说明"
"""


def write_rubric(tmp_path: Path, text: str, kind: str = "sample") -> Path:
    path = tmp_path / f"{kind}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def full_marks(rubric) -> dict[str, Decimal]:
    return {item.key: Decimal(item.max) for item in rubric.items}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_has_a_rubric_worth_100_points(kind):
    rubric = load_rubric(kind)
    assert rubric.kind == kind
    assert rubric.label
    assert sum(item.max for item in rubric.items) == 100
    assert all(item.label and item.description for item in rubric.items)


@pytest.mark.parametrize("kind", KINDS)
def test_tie_break_orders_every_item_so_a_full_tie_means_identical_scores(kind):
    rubric = load_rubric(kind)
    assert sorted(rubric.tie_break) == sorted(item.key for item in rubric.items)


def test_master_studio_uses_the_bureaus_five_criteria():
    rubric = load_rubric("master_studio")
    assert [(item.label, item.max) for item in rubric.items] == [
        ("基础保障", 35),
        ("日常管理", 15),
        ("技术攻关", 15),
        ("交流服务", 15),
        ("带徒传技", 20),
    ]
    assert rubric.tie_break[:2] == ("apprentices", "technical_problem_solving")


def test_bases_are_scored_on_their_own_output_instead_of_apprentices():
    training = {item.key: item.max for item in load_rubric("training_base").items}
    competition = {item.key: item.max for item in load_rubric("competition_base").items}
    assert training["training_volume"] == 20 and "apprentices" not in training
    assert competition["competition_results"] == 20 and "contestants_trained" in competition
    assert "apprentices" not in competition


def test_unknown_kind_is_refused_naming_the_known_kinds():
    with pytest.raises(RubricError, match="unknown kind 'studio'.*master_studio"):
        load_rubric("studio")


def test_a_valid_file_is_read(tmp_path):
    rubric = read_rubric(write_rubric(tmp_path, VALID_RUBRIC.format(kind="sample")))
    assert [item.key for item in rubric.items] == ["a", "b"]
    assert rubric.tie_break == ("b", "a")
    assert rubric.item("b").label == "乙项"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("max = 40", "max = 39"), "item maxima sum to 99, not 100"),
        (('key = "b"', 'key = "a"'), r"item 2 \('a'\): duplicate key"),
        (("max = 40", "max = 40.0"), r"item 2 \('b'\): max must be a positive integer, got 40.0"),
        (("max = 60", "max = 0"), r"item 1 \('a'\): max must be a positive integer"),
        (('tie_break = ["b", "a"]', 'tie_break = ["b", "c"]'), "tie_break names unknown item 'c'"),
        (('tie_break = ["b", "a"]', 'tie_break = ["b", "b"]'), "tie_break names item 'b' twice"),
        (('label = "乙项"', 'label = ""'), r"item 2 \('b'\): label must be non-empty text"),
        (('description = "甲项说明"', 'points = 3'), r"item 1 \('a'\): unknown field 'points'.*missing field 'description'"),
        (('kind = "sample"', 'kind = "training_base"'), "kind is 'training_base' but the file is named for 'sample'"),
        (("max = 60", "max = "), "Invalid value"),
    ],
)
def test_a_bad_file_is_refused_naming_file_and_item(tmp_path, change, expected):
    old, new = change
    text = VALID_RUBRIC.format(kind="sample")
    assert old in text
    path = write_rubric(tmp_path, text.replace(old, new, 1))
    with pytest.raises(RubricError, match=expected) as raised:
        read_rubric(path)
    assert str(raised.value).startswith(str(path))


def test_all_problems_in_a_file_are_reported_at_once(tmp_path):
    text = VALID_RUBRIC.format(kind="sample").replace("max = 40", "max = -1").replace('["b", "a"]', '["z"]')
    with pytest.raises(RubricError) as raised:
        read_rubric(write_rubric(tmp_path, text))
    assert len(raised.value.problems) == 2


def test_complete_scores_within_limits_are_accepted():
    rubric = load_rubric("master_studio")
    scores = full_marks(rubric) | {"basic_support": Decimal("30.5"), "apprentices": 0, "daily_management": Decimal("12.50")}
    assert validate_item_scores(rubric, scores) == []


@pytest.mark.parametrize(
    ("key", "points", "message"),
    [
        ("apprentices", Decimal("20.1"), "评分项“带徒传技”的得分应在0到20分之间"),
        ("apprentices", Decimal("-1"), "评分项“带徒传技”的得分应在0到20分之间"),
        ("apprentices", Decimal("10.25"), "评分项“带徒传技”的得分最多保留一位小数"),
        ("apprentices", 10.5, "评分项“带徒传技”的得分应为数字"),
        ("apprentices", "10", "评分项“带徒传技”的得分应为数字"),
        ("apprentices", True, "评分项“带徒传技”的得分应为数字"),
        ("apprentices", Decimal("NaN"), "评分项“带徒传技”的得分应为数字"),
    ],
)
def test_a_bad_item_score_is_reported_in_chinese(key, points, message):
    rubric = load_rubric("master_studio")
    problems = validate_item_scores(rubric, full_marks(rubric) | {key: points})
    assert [(problem.key, str(problem)) for problem in problems] == [(key, message)]


def test_missing_and_unknown_items_are_reported():
    rubric = load_rubric("master_studio")
    scores = full_marks(rubric)
    del scores["daily_management"]
    scores["training_volume"] = Decimal(5)
    problems = validate_item_scores(rubric, scores)
    assert [(problem.key, str(problem)) for problem in problems] == [
        ("daily_management", "缺少评分项“日常管理”的得分"),
        ("training_volume", "“training_volume”不是技能大师工作室的评分项"),
    ]


def test_problem_messages_can_be_translated_before_they_are_filled_in():
    rubric = load_rubric("master_studio")
    (problem,) = validate_item_scores(rubric, full_marks(rubric) | {"apprentices": Decimal(21)})
    catalogue = {problem.message.template: "Score for %(label)s must be between 0 and %(max)s"}
    assert problem.message.render(catalogue.get) == "Score for 带徒传技 must be between 0 and 20"
