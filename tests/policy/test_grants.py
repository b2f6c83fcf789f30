"""One-time grants to studios, bases and stations. Expected values typed from the seeds:
Wenzhou items 14 and 15, Tai'an （四）."""

from __future__ import annotations

from datetime import date

import pytest

from bureau.policies import copy_with_changes, load_policies
from studios.grants import StudioFacts, grants_due


def studio(code, kind, level, established=None, is_new=True):
    return StudioFacts(id=1, name="测试工作室", kind=kind, level=level, jurisdiction_policy=code,
                       established=established or {"wenzhou-2018": date(2021, 3, 1),
                                                   "taian-2024": date(2025, 3, 1)}.get(code, date(2024, 3, 1)),
                       is_new=is_new)


def due(code, kind, level, **fields):
    return [(grant.amount, grant.amount_basis) for grant in grants_due(studio(code, kind, level, **fields), load_policies())]


@pytest.mark.parametrize("code, kind, level, expected", [
    # 分别给予国家级、省级、市级技能大师工作室 10 万元、5 万元、3 万元一次性资助
    ("wenzhou-2018", "master_studio", "national", [(100000, "fixed")]),
    ("wenzhou-2018", "master_studio", "provincial", [(50000, "fixed")]),
    ("wenzhou-2018", "master_studio", "city", [(30000, "fixed")]),
    ("wenzhou-2018", "master_studio", "county", []),  # 当地政府给予适当资助: no amount
    # 对创成省、市重点产业高技能人才公共实训基地的用人单位，分别给予不少于 100 万元、20 万元的资助经费
    ("wenzhou-2018", "training_base", "provincial", [(1000000, "at_least")]),
    ("wenzhou-2018", "training_base", "city", [(200000, "at_least")]),
    ("wenzhou-2018", "training_base", "national", []),
    ("wenzhou-2018", "technician_station", "city", []),
    # 对企业新申报建设的市技师工作站，给予10万元一次性经费资助
    ("taian-2024", "technician_station", "city", [(100000, "fixed")]),
    # 对企业新申报建设的国家级、省级技能大师工作室 … 再分别给予10万元、5万元一次性经费资助
    ("taian-2024", "master_studio", "national", [(100000, "fixed")]),
    ("taian-2024", "master_studio", "provincial", [(50000, "fixed")]),
    ("taian-2024", "master_studio", "city", []),
    ("quanzhou-2023", "competition_base", "national", []),
    ("xiamen-2023", "master_studio", "national", []),
    ("fujian-2023", "master_studio", "provincial", []),
])
def test_grants(code, kind, level, expected):
    assert due(code, kind, level) == expected


@pytest.mark.parametrize("code, kind, level", [
    ("wenzhou-2018", "master_studio", "city"),
    ("wenzhou-2018", "training_base", "city"),
    ("taian-2024", "technician_station", "city"),
    ("taian-2024", "master_studio", "national"),
])
def test_only_new_ones_get_a_one_time_grant(code, kind, level):
    assert due(code, kind, level, is_new=False) == []


@pytest.mark.parametrize("code, established, granted", [
    ("wenzhou-2018", date(2017, 12, 31), False),
    ("wenzhou-2018", date(2018, 1, 1), True),
    ("taian-2024", date(2024, 11, 7), False),
    ("taian-2024", date(2024, 11, 8), True),
])
def test_established_within_the_documents_period(code, established, granted):
    assert bool(due(code, "master_studio", "national", established=established)) == granted


def test_grant_cites_clause_and_conditions():
    [grant] = grants_due(studio("taian-2024", "master_studio", "provincial"), load_policies())
    assert grant.clause == "泰政办发〔2024〕13号，二、加大高技能人才培养力度，（四）加强高技能人才培养平台建设"
    assert grant.policy == "taian-2024" and grant.kind == "master_studio_provincial"
    assert "须为企业新申报建设" in grant.conditions and grant.rule.endswith("：5万元")


def test_a_single_document_can_be_passed_for_what_if():
    what_if = copy_with_changes(load_policies()["wenzhou-2018"], {"studio_grants[2].amount": 40000})
    assert [grant.amount for grant in grants_due(studio("wenzhou-2018", "master_studio", "city"), what_if)] == [40000]
