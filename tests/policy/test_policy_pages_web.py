"""The policy pages a clerk checks against the paper, and the start-up check of the policy files."""
from __future__ import annotations

import shutil

import pytest

import bureau.policies
from bureau.app import create_app
from bureau.policies import POLICY_DIRECTORY, PolicyFileError, clear_policy_cache, load_policies


@pytest.mark.parametrize("name", ["admin", "organiser", "lead"])
def test_every_role_reads_the_list(users, login_as, name):
    page = login_as(name).get("/policies")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for document in load_policies().values():
        assert document.title in html
    assert "温人社发〔2018〕242号" in html and "泰政办发〔2024〕13号" in html and "2018-12-19" in html


def test_the_list_needs_a_login(client):
    response = client.get("/policies/wenzhou-2018")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_wenzhou_national_class_1_rank_8_reads_15000_with_its_clause(users, login_as):
    html = login_as("organiser").get("/policies/wenzhou-2018").get_data(as_text=True)
    table = html[html.index('id="cash-national_1"'):html.index('id="cash-national_2"')]
    assert '<td>第8名</td><td class="num">¥15,000</td>' in table
    assert '<td>第1名</td><td class="num">¥50,000</td>' in table
    assert "第9名" not in table
    assert "温人社发〔2018〕242号，四、构建高技能人才培养平台，13. 加大对竞赛获奖选手激励力度" in table
    assert "给予全国一类技能大赛前八名的新获奖者 1.5—5 万元（5000 元一档）个人奖励" in table  # the quote
    assert "原文只给区间和档差" in table  # our reading beside it


def test_every_table_of_a_document_is_shown(users, login_as):
    client = login_as("admin")
    wenzhou = client.get("/policies/wenzhou-2018").get_data(as_text=True)
    assert '<td>{}</td><td class="num">¥500,000</td>'.format("金牌") in wenzhou  # WorldSkills medals
    assert '<td>{}</td><td class="num">¥150,000</td>'.format("优胜奖") in wenzhou
    assert "温州市技术能手" in wenzhou and "¥20,000—¥50,000" in wenzhou and "不超过¥100,000" in wenzhou
    assert "不少于¥1,000,000" in wenzhou and "15%" in wenzhou and "就高规则" in wenzhou
    assert "同一人获同序列称号奖项的按就高原则" in wenzhou and "每年组织开展市级技能大赛" in wenzhou
    taian = client.get("/policies/taian-2024").get_data(as_text=True)
    assert '<td>第4—5名</td><td class="num">¥30,000</td>' in taian and "每年约60名" in taian
    assert "仅限本地" in taian and "团体项目按团队计发一次" in taian
    xiamen = client.get("/policies/xiamen-2023").get_data(as_text=True)
    assert "<strong>高级工</strong>" in xiamen and "高级技师" in xiamen and "厦门市技术能手" in xiamen
    quanzhou = client.get("/policies/quanzhou-2023").get_data(as_text=True)
    assert "集训基地补助" in quanzhou and "¥200,000" in quanzhou and "2026-06-25" in quanzhou
    fujian = client.get("/policies/fujian-2023").get_data(as_text=True)
    assert "分地区指标" in fujian and "福州市" in fujian and "12.2" in fujian


def test_an_unknown_document_is_404(users, login_as):
    assert login_as("admin").get("/policies/nowhere-2099").status_code == 404


def test_a_broken_policy_file_stops_start_up_naming_file_and_entry(tmp_path, monkeypatch):
    for path in POLICY_DIRECTORY.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    broken = tmp_path / "wenzhou-2018.toml"
    text = broken.read_text(encoding="utf-8")
    broken.write_text(text.replace("{ from_rank = 8, to_rank = 8, amount = 15000 }",
                                   "{ from_rank = 8, to_rank = 8, amount = 0 }", 1), encoding="utf-8")
    monkeypatch.setattr(bureau.policies, "POLICY_DIRECTORY", tmp_path)
    clear_policy_cache()
    try:
        with pytest.raises(PolicyFileError) as caught:
            create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
        assert str(caught.value) == "wenzhou-2018.toml: cash.national_1.bands[7]: 'amount' must be a positive integer"
    finally:
        clear_policy_cache()
