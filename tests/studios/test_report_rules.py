"""The annual report's sections: one set of checks for the form and the API (studios.report)."""
import pytest

from bureau.errors import Invalid
from studios.report import MAX_ROWS_PER_SECTION
from studios.report import clean_content, empty_content, promoted_apprentices, total_trainees
from tests.competition.ids import person_id, wrong_check
from tests.studios.conftest import sample_content


def problems_of(raw):
    with pytest.raises(Invalid) as refused:
        clean_content(raw)
    return [(p.field, p.row, p.message) for p in refused.value.problems]


def test_a_filled_report_is_kept_in_canonical_form():
    raw = sample_content()
    raw["apprentices"][0]["id_number"] = " " + person_id(1)[:6] + " " + person_id(1)[6:].lower() + " "
    raw["funds"] = {"received": "300,000", "spent": 260000.0, "note": " 设备 "}
    content = clean_content(raw)
    assert content["apprentices"][0]["id_number"] == person_id(1)
    assert content["funds"] == {"received": 300000, "spent": 260000, "note": "设备"}
    assert content["trainings"][0] == {"title": "数控车工技能提升培训", "held_on": "2025-03-15", "trainees": 48}


def test_nothing_sent_is_an_empty_report():
    assert clean_content({}) == empty_content()


def test_blank_rows_are_dropped_but_problems_keep_the_row_people_see():
    raw = {"apprentices": [
        {"name": "", "id_number": "", "level_before": "", "level_after": ""},
        {"name": "王磊", "id_number": wrong_check(person_id(7)), "level_before": "", "level_after": "高级工"},
    ]}
    assert problems_of(raw) == [("apprentices.id_number", 2, "身份证号校验位不符，号码可能有误，请与证件核对")]


def test_every_problem_is_reported_at_once_with_field_and_row():
    raw = {
        "apprentices": [{"name": "王磊", "id_number": person_id(1), "level_after": "大师"},
                        {"name": "", "id_number": person_id(1), "level_after": "高级工"}],
        "trainings": [{"title": "培训", "trainees": -3}],
        "exchanges": [{"title": "交流", "held_on": "2025/05/20"}],
        "funds": {"received": "三十万"},
        "sessions": [],
    }
    found = {(field, row) for field, row, _ in problems_of(raw)}
    assert found == {
        ("sessions", None),                     # unknown section: refused, not silently lost
        ("apprentices.level_after", 1),         # not a skill level
        ("apprentices.name", 2),                # required
        ("apprentices.id_number", 2),           # same apprentice twice
        ("trainings.trainees", 1),              # not a count
        ("exchanges.held_on", 1),               # not YYYY-MM-DD
        ("funds.received", None),
    }


def test_promoted_apprentices_are_those_reaching_high_skill_this_year():
    content = clean_content({"apprentices": [
        {"name": "甲", "id_number": person_id(1), "level_before": "中级工", "level_after": "高级工"},  # promoted
        {"name": "乙", "id_number": person_id(2), "level_before": "高级工", "level_after": "高级工"},  # already there
        {"name": "丙", "id_number": person_id(3), "level_before": "", "level_after": "技师"},          # new, high
        {"name": "丁", "id_number": person_id(4), "level_before": "初级工", "level_after": "中级工"},  # not high
    ]})
    assert [a["name"] for a in promoted_apprentices(content)] == ["甲", "丙"]


def test_trainees_add_up():
    content = clean_content({"trainings": [{"title": "一", "trainees": 20}, {"title": "二", "trainees": "35"}]})
    assert total_trainees(content) == 55


def test_each_list_holds_at_most_its_bound_of_filled_rows():
    blank = {"title": "", "number": ""}
    at_the_bound = [{"title": f"专利{n}"} for n in range(MAX_ROWS_PER_SECTION)] + [blank] * 5
    assert len(clean_content({"patents": at_the_bound})["patents"]) == MAX_ROWS_PER_SECTION
    over = {"patents": at_the_bound + [{"title": "又一项"}], "innovations": [{"title": "革新"}]}
    assert problems_of(over) == [("patents", None, f"专利最多填写{MAX_ROWS_PER_SECTION}行，本次有{MAX_ROWS_PER_SECTION + 1}行")]
