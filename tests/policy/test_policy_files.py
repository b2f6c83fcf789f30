"""The policy files: every one loads, says what the paper says about itself, quotes the seed
faithfully, and a broken file is reported by file and entry."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from bureau.policies import (
    POLICY_DIRECTORY,
    PolicyFileError,
    clear_policy_cache,
    copy_with_changes,
    load_policies,
)
from bureau.policies.model import Clause
from tests.purity import web_or_database_modules_loaded

SEEDS = Path(os.environ.get("SEEDS_DIR", "/work/shared/seeds"))
CODES = {"wenzhou-2018", "xiamen-2023", "taian-2024", "quanzhou-2023", "fujian-2023"}


def test_every_file_loads_and_is_named_by_its_code():
    policies = load_policies()
    assert set(policies) == CODES
    assert {path.stem for path in POLICY_DIRECTORY.glob("*.toml")} == CODES


# Typed from the documents' heads and closing lines.
@pytest.mark.parametrize("code, number, issued, effective, jurisdiction, issuers", [
    ("wenzhou-2018", "温人社发〔2018〕242号", date(2018, 12, 19), date(2018, 12, 19), "温州市",
     ("中共温州市委人才工作领导小组办公室", "温州市人力资源和社会保障局", "温州市财政局")),
    ("taian-2024", "泰政办发〔2024〕13号", date(2024, 11, 8), date(2024, 11, 8), "泰安市", ("泰安市人民政府办公室",)),
    ("fujian-2023", "闽人社办〔2023〕73号", date(2023, 5, 5), None, "福建省", ("福建省人力资源和社会保障厅办公室",)),
    ("quanzhou-2023", "", date(2023, 6, 26), date(2023, 6, 26), "泉州市", ()),
    ("xiamen-2023", "", None, None, "厦门市", ()),
])
def test_document_heads(code, number, issued, effective, jurisdiction, issuers):
    document = load_policies()[code]
    assert (document.document_number, document.issued_on, document.effective_from) == (number, issued, effective)
    assert (document.jurisdiction, document.issuers) == (jurisdiction, issuers)
    assert document.title and document.short_name


def test_periods():
    policies = load_policies()
    assert policies["wenzhou-2018"].applies_from == date(2018, 1, 1)  # 适用于2018年1月1日起享受奖补的各类对象
    assert policies["quanzhou-2023"].valid_until == date(2026, 6, 25)  # 有效期三年
    assert policies["taian-2024"].applies_from == date(2024, 11, 8)


def _clauses(value):
    if isinstance(value, Clause):
        yield value
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            if field.name != "raw":
                yield from _clauses(getattr(value, field.name))
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _clauses(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _clauses(item)


def _without_spaces(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents not available")
@pytest.mark.parametrize("code", sorted(CODES))
def test_every_quote_is_in_the_seed(code):
    document = load_policies()[code]
    seed = _without_spaces((SEEDS / document.source).read_text(encoding="utf-8"))
    clauses = list(_clauses(document))
    assert clauses
    missing = [clause.quote for clause in clauses if _without_spaces(clause.quote) not in seed]
    assert missing == []


def test_every_clause_cites_the_document():
    for document in load_policies().values():
        for clause in _clauses(document):
            assert clause.citation.startswith(document.citation_name)
            assert clause.section


def test_assessment_caps_typed_from_wenzhou_items_14_and_15():
    wenzhou = load_policies()["wenzhou-2018"]
    studio = wenzhou.assessment_for("master_studio", "city")
    base = wenzhou.assessment_for("training_base", "city")
    assert (studio.excellent_max_percent, studio.reward_max) == (15, 50000)
    assert (base.excellent_max_percent, base.reward_max) == (15, 200000)
    assert wenzhou.assessment_for("master_studio", "provincial") is None


def test_overlap_series_reading_is_written_down():
    overlap = load_policies()["wenzhou-2018"].overlap
    assert overlap.window_years == 2
    assert set(overlap.series) >= {"competition_prize", "leading_talent"}
    assert "序列" in overlap.reading and overlap.series["competition_prize"].reading
    assert all(table.series == "competition_prize" for table in load_policies()["wenzhou-2018"].cash)


# Fujian annex: the region rows must add up to the province column heads (typed from the paper).
@pytest.mark.parametrize("key, province_total", [
    ("subsidised_training", 40),
    ("migrant_training", 10),
    ("key_industry_training", 10),
    ("key_group_training", 1),
    ("new_senior_worker_certificates", 40000),
    ("new_technician_certificates", 4500),
    ("technical_school_enrolment", 61000 - 3900),  # 61000 人(其中省属 3900人)
])
def test_fujian_regions_add_up_to_province_targets(key, province_total):
    fujian = load_policies()["fujian-2023"]
    assert len(fujian.region_targets) == 10
    assert sum(row.values.get(key, 0) for row in fujian.region_targets) == pytest.approx(province_total)


def test_fujian_targets_typed_from_the_text():
    targets = {target.key: target for target in load_policies()["fujian-2023"].targets}
    assert targets["provincial_competitions_2023"].value == 30
    assert targets["provincial_competitions_class_1_2023"].value == 17
    assert targets["provincial_competitions_class_2_2023"].value == 13
    assert targets["provincial_master_studios_per_year"].value == 60
    assert (targets["contestants_per_selection_event"].value_min,
            targets["contestants_per_selection_event"].value_max) == (30, 80)
    rows = {row.region: row for row in load_policies()["fujian-2023"].region_targets}
    assert rows["漳州市"].values["contestants_per_event"] == 4 and rows["漳州市"].at_least == ("contestants_per_event",)
    assert "contestants_per_event" not in rows["平潭"].values


# --- loading and caching -------------------------------------------------------------------------


def test_load_is_cached_but_returns_a_fresh_mapping():
    first, second = load_policies(), load_policies()
    assert first is not second
    assert first["wenzhou-2018"] is second["wenzhou-2018"]
    first["what-if"] = first["wenzhou-2018"]
    assert "what-if" not in load_policies()


@pytest.fixture
def policy_copy(tmp_path):
    for path in POLICY_DIRECTORY.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    yield tmp_path
    clear_policy_cache()


def _break(directory: Path, name: str, old: str, new: str) -> None:
    path = directory / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_copy_loads_like_the_original(policy_copy):
    assert load_policies(policy_copy) == load_policies()


@pytest.mark.parametrize("name, old, new, message", [
    ("wenzhou-2018.toml", "{ from_rank = 4, to_rank = 4, amount = 35000 }",
     "{ from_rank = 4, to_rank = 4, amount = -35000 }",
     "wenzhou-2018.toml: cash.national_1.bands[3]: 'amount' must be a positive integer"),
    ("wenzhou-2018.toml", "{ from_rank = 4, to_rank = 4, amount = 35000 }",
     "{ from_rank = 4, to_rank = 4, amout = 35000 }",
     "wenzhou-2018.toml: cash.national_1.bands[3]: 'amount' is required"),
    ("wenzhou-2018.toml", "{ from_rank = 4, to_rank = 4, amount = 35000 }",
     "{ from_rank = 4, to_rank = 4, amount = 35000, amout = 1 }",
     "wenzhou-2018.toml: cash.national_1.bands[3]: unknown key 'amout'"),
    ("wenzhou-2018.toml", "{ from_rank = 4, to_rank = 4, amount = 35000 }",
     "{ from_rank = 2, to_rank = 4, amount = 35000 }",
     "wenzhou-2018.toml: cash.national_1.bands[3]: bands must be in rank order and must not overlap"),
    ("taian-2024.toml", 'tiers = ["national"]', 'tiers = ["nationwide"]',
     "taian-2024.toml: cash.national: 'tiers' must be a list of world, national, provincial, city, county"),
    ("xiamen-2023.toml", 'level = "高级工"', 'level = "高级工人"',
     "xiamen-2023.toml: skill_levels[0]: 'level' must be one of 学徒工, 初级工, 中级工, 高级工, 技师, 高级技师, 特级技师, 首席技师"),
    ("quanzhou-2023.toml", 'key = "national"\n', 'key = "world"\n',
     "quanzhou-2023.toml: base_subsidies[1]: 'key' 'world' is used twice"),
    ("wenzhou-2018.toml", 'series = "competition_prize"\nbands', 'series = "competitions"\nbands',
     "wenzhou-2018.toml: cash.national_1: 'series' 'competitions' is not defined in [overlap.series]"),
    ("wenzhou-2018.toml", 'code = "wenzhou-2018"', 'code = "wenzhou"',
     "wenzhou-2018.toml: 'code' is 'wenzhou' but the file is named wenzhou-2018.toml"),
    ("fujian-2023.toml", "issued_on = 2023-05-05", 'issued_on = "2023-05-05"',
     "fujian-2023.toml: 'issued_on' must be a date (YYYY-MM-DD)"),
    ("taian-2024.toml", ", quote = \"对企业新申报建设的市技师工作站，给予10万元一次性经费资助\" }", " }",
     "taian-2024.toml: studio_grants[0].clause: 'quote' is required"),
])
def test_a_broken_file_names_file_and_entry(policy_copy, name, old, new, message):
    _break(policy_copy, name, old, new)
    with pytest.raises(PolicyFileError) as caught:
        load_policies(policy_copy)
    assert str(caught.value) == message
    assert caught.value.file == name


def test_bad_toml_syntax_names_the_file(policy_copy):
    _break(policy_copy, "xiamen-2023.toml", 'code = "xiamen-2023"', 'code = "xiamen-2023')
    with pytest.raises(PolicyFileError, match=r"^xiamen-2023\.toml: not valid TOML"):
        load_policies(policy_copy)


# --- what-if copies ----------------------------------------------------------------------------------


def test_copy_with_changes_edits_a_copy_only():
    wenzhou = load_policies()["wenzhou-2018"]
    what_if = copy_with_changes(wenzhou, {"cash.national_1.bands[0].amount": 60000}, code="wenzhou-what-if")
    assert what_if.code == "wenzhou-what-if"
    assert what_if.cash_table("national_1").bands[0].amount == 60000
    assert wenzhou.cash_table("national_1").bands[0].amount == 50000
    assert load_policies()["wenzhou-2018"].cash_table("national_1").bands[0].amount == 50000


def test_copy_with_changes_can_remove_and_add_entries():
    taian = load_policies()["taian-2024"]
    what_if = copy_with_changes(taian, {
        "eligibility.local_only": False,
        "eligibility.local_only_reason": None,
        "cash.national.bands": [{"from_rank": 1, "to_rank": 20, "amount": 10000}],
    })
    assert what_if.eligibility.local_only is False
    assert what_if.cash_table("national").bands[0].to_rank == 20


def test_copy_with_changes_is_validated():
    wenzhou = load_policies()["wenzhou-2018"]
    with pytest.raises(PolicyFileError, match=r"cash\.national_1\.bands\[0\]: 'amount' must be a positive integer"):
        copy_with_changes(wenzhou, {"cash.national_1.bands[0].amount": 0})
    with pytest.raises(KeyError):
        copy_with_changes(wenzhou, {"cash.national_9.bands[0].amount": 1})


def test_rules_import_neither_flask_nor_a_database():
    assert web_or_database_modules_loaded("bureau.policies", "competition.awards", "studios.grants") == []
