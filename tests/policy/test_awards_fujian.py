"""Fujian (闽人社办〔2023〕73号) sets targets, not awards: a competition under it gets nothing, said so."""

from __future__ import annotations

import pytest

from competition.awards import awards_for, explain_no_award
from tests.policy.facts import competition, policy, result


@pytest.mark.parametrize("tier, category, label", [("provincial", 1, "省级一类"), ("national", 2, "国家级二类")])
def test_no_awards_and_the_reason(tier, category, label):
    comp = competition("fujian-2023", tier, category)
    assert awards_for(comp, [result(1, 1)], policy("fujian-2023")) == []
    assert explain_no_award(comp, result(1, 1), policy("fujian-2023")) == [
        f"福建省产业技工强基行动工作方案未对{label}竞赛设定奖励或技能等级认定"]
