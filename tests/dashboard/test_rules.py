"""The dashboard's plain rules: which of a document's targets we count, periods, progress and
status, the region of an ID number, the quota table, and the chart geometry."""
from __future__ import annotations

from datetime import date

import pytest

from bureau import charts
from bureau.dashboard import metrics
from bureau.dashboard.regions import OUTSIDE, UNKNOWN, Contest, quota_table, region_of
from bureau.policies import load_policies
from tests.purity import web_or_database_modules_loaded

POLICIES = load_policies()


def test_the_rules_import_neither_flask_nor_a_database_layer():
    assert web_or_database_modules_loaded("bureau.dashboard.metrics", "bureau.dashboard.regions", "bureau.charts",
                                          "studios.charts") == []


# --- jurisdictions ----------------------------------------------------------------------------------------


def test_a_province_takes_in_the_regions_its_table_lists_and_their_documents():
    fujian = metrics.scope_for("福建省", POLICIES)
    assert fujian.places[0] == "福建省" and {"福州市", "厦门市", "泉州市", "平潭"} <= set(fujian.places)
    assert fujian.policy_codes == ("fujian-2023", "quanzhou-2023", "xiamen-2023")
    wenzhou = metrics.scope_for("温州市", POLICIES)
    assert wenzhou.places == ("温州市",) and wenzhou.policy_codes == ("wenzhou-2018",)


def test_the_bureau_name_chooses_the_default_jurisdiction():
    assert metrics.default_jurisdiction("温州市人力资源和社会保障局", POLICIES) == "温州市"
    assert metrics.default_jurisdiction("泉州市人力资源和社会保障局", POLICIES) == "泉州市"
    assert metrics.default_jurisdiction("某某局", POLICIES) == metrics.jurisdictions(POLICIES)[0]


# --- a document's targets ------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "key", "expected"), [
    ("quanzhou-2023", "competitions_per_year", metrics.Period(True)),
    ("fujian-2023", "provincial_competitions_2023", metrics.Period(False, 2023, 2023)),
    ("quanzhou-2023", "master_studios_2025", metrics.Period(False, 2025, 2023)),
    ("wenzhou-2018", "new_city_training_bases", metrics.Period(False, 2022, 2018)),  # 到2022年末
    ("taian-2024", "high_level_vocational_schools", metrics.Period(False, 2025, 2024)),  # 到“十四五”末
    ("fujian-2023", "technical_school_students", metrics.Period(False, 2027, 2023)),  # 5年内
])
def test_periods_are_read_from_the_documents_words(code, key, expected):
    document = POLICIES[code]
    target = next(t for t in document.targets if t.key == key)
    assert metrics.period_of(target, document) == expected


def test_fujian_2023_loads_its_countable_targets_with_counts_and_the_rest_as_manual():
    planned, skipped = metrics.plan_policy_targets(POLICIES["fujian-2023"], 2023)
    by_key = {plan.key: plan for plan in planned}
    assert by_key["provincial_competitions_2023"].metric == "competitions"
    assert by_key["provincial_competitions_2023"].filters == {"tier": "provincial"}
    assert by_key["provincial_competitions_class_1_2023"].filters == {"tier": "provincial", "category": 1}
    assert by_key["provincial_competitions_2023"].value == 30
    assert by_key["national_selection_contests_2023"].metric == "selection_contests"
    studios = by_key["provincial_master_studios_per_year"]
    assert (studios.metric, studios.comparison, studios.value, studios.unit) == ("new_studios", "about", 60, "个")
    assert by_key["subsidised_training"].metric == "manual" and by_key["subsidised_training"].unit == "万人次"
    assert "闽人社办〔2023〕73号" in by_key["provincial_competitions_2023"].note
    # The per-event figures go to the quota table; targets to 2025 belong to 2025.
    reasons = {item.key: (item.reason, item.year) for item in skipped}
    assert reasons["contestants_per_event"][1] is None and reasons["contestants_per_selection_event"][1] is None
    assert reasons["subsidised_training_2025"] == ("目标年度为%(year)s年", 2025)
    assert len(planned) + len(skipped) == len(POLICIES["fujian-2023"].targets)


def test_a_yearly_target_loads_for_any_year_the_document_is_in_force():
    wenzhou, _ = metrics.plan_policy_targets(POLICIES["wenzhou-2018"], 2026)
    assert [(p.key, p.metric, p.filters, p.value, p.from_year) for p in wenzhou] == [
        ("city_competitions_per_year", "competitions", {"tier": "city"}, 20, 2026)]
    quanzhou_2027, skipped = metrics.plan_policy_targets(POLICIES["quanzhou-2023"], 2027)  # valid until 2026-06-25
    assert quanzhou_2027 == [] and any(item.reason == "文件在%(year)s年不适用" for item in skipped)
    by_2022, _ = metrics.plan_policy_targets(POLICIES["wenzhou-2018"], 2022)
    bases = next(p for p in by_2022 if p.key == "new_city_training_bases")
    assert (bases.from_year, bases.year, bases.filters) == (2018, 2022, {"studio_kind": "training_base",
                                                                          "studio_level": "city"})


def test_a_range_target_keeps_both_ends():
    planned, _ = metrics.plan_policy_targets(POLICIES["taian-2024"], 2025)
    programmes = next(p for p in planned if p.key == "high_level_vocational_programmes")
    assert (programmes.comparison, programmes.value, programmes.value_max) == ("range", 15, 20)


# --- progress --------------------------------------------------------------------------------------------


def test_the_share_of_the_period_gone_by():
    assert metrics.elapsed_share(2026, 2026, date(2025, 12, 31)) == 0
    assert metrics.elapsed_share(2026, 2026, date(2026, 1, 1)) == pytest.approx(1 / 365)
    assert metrics.elapsed_share(2026, 2026, date(2026, 7, 2)) == pytest.approx(183 / 365)
    assert metrics.elapsed_share(2026, 2026, date(2026, 12, 31)) == 1
    assert metrics.elapsed_share(2018, 2022, date(2020, 12, 31)) == pytest.approx(1096 / 1826)


@pytest.mark.parametrize(("actual", "value", "value_max", "comparison", "elapsed", "status"), [
    (50, 50, None, "at_least", 0.5, "met"),
    (30, 50, None, "at_least", 0.5, "on_track"),
    (20, 50, None, "at_least", 0.5, "behind"),
    (49, 50, None, "at_least", 1.0, "not_met"),
    (0, 50, None, "at_least", 0.0, "not_started"),
    (54, 60, None, "about", 1.0, "met"),  # 左右: nine tenths is enough
    (53, 60, None, "about", 1.0, "not_met"),
    (45, 30, 80, "range", 1.0, "met"),
    (81, 30, 80, "range", 1.0, "over"),
    (None, 20000, None, "at_least", 0.5, "no_data"),
])
def test_status_against_the_target_and_the_time_gone_by(actual, value, value_max, comparison, elapsed, status):
    assert metrics.status_of(actual, value, value_max, comparison, elapsed) == status


def test_numbers_and_money_as_people_write_them():
    assert metrics.number_text(1150000) == "1,150,000"
    assert metrics.number_text(12.5) == "12.5"
    assert metrics.wan(125000) == "12.5万" and metrics.wan(3000000) == "300万" and metrics.wan(8000) == "8000"


# --- regions and the quota table ----------------------------------------------------------------------


@pytest.mark.parametrize(("code", "region"), [
    ("350102", "福州市"), ("350203", "厦门市"), ("350128", "平潭"), ("350181", "福州市"), ("350582", "泉州市"),
    ("350902", "宁德市"), ("359999", UNKNOWN), ("330302", OUTSIDE), ("", UNKNOWN), ("35X102", UNKNOWN),
])
def test_the_region_is_the_prefecture_of_the_id_numbers_address_code(code, region):
    assert region_of(code) == region


def test_the_annexs_regions_are_the_prefectures_the_division_table_names():
    prefectures = {region_of(f"35{number:02d}01") for number in range(1, 100)} - {UNKNOWN}
    assert prefectures == {row.region for row in POLICIES["fujian-2023"].region_targets} - {"平潭"}


def test_the_quota_table_holds_each_region_against_its_figure_and_the_ceiling():
    document = POLICIES["fujian-2023"]
    contests = [Contest(1, "数控车工选拔赛"), Contest(2, "电工选拔赛")]
    sent = {(1, "福州市"): 5, (2, "福州市"): 4, (1, "漳州市"): 6, (2, "漳州市"): 4, (1, "平潭"): 1, (2, OUTSIDE): 2,
            (1, "泉州市"): 20, (2, "泉州市"): 26}
    table = quota_table(document, contests, sent)
    rows = {row.region: row for row in table.rows}
    assert [cell.status for cell in rows["福州市"].cells] == ["met", "short"]  # 5 wanted, at most 5
    assert [cell.status for cell in rows["漳州市"].cells] == ["over", "met"]  # 4 or more, at most 5
    assert rows["漳州市"].at_least and rows["漳州市"].quota == 4
    assert [cell.status for cell in rows["平潭"].cells] == ["none", "none"]  # the annex has “/”
    assert [cell.sent for cell in rows["莆田市"].cells] == [0, 0] and rows["莆田市"].short == 2
    assert rows[OUTSIDE].total == 2 and rows[OUTSIDE].quota is None
    assert [row.region for row in table.rows][-1] == OUTSIDE
    assert [(total.sent, total.status) for total in table.totals] == [(32, "met"), (36, "met")]
    assert (table.size_min, table.size_max, table.per_event_max) == (30, 80, 5)
    only = quota_table(document, contests, sent, only_region="泉州市")
    assert [row.region for row in only.rows] == ["泉州市"]


# --- charts ----------------------------------------------------------------------------------------------------


def test_axis_steps_read_well():
    assert charts.nice_scale(0) == (1, 1)
    assert charts.nice_scale(143000) == (150000, 50000)
    assert charts.nice_scale(7) == (8, 2)
    assert charts.nice_step(7) == (2, 8)


def test_a_progress_bar_is_as_long_as_the_count_with_marks_at_the_target_and_the_time_gone_by():
    rows = [charts.ProgressRow("每年举办竞赛", 30, 50, "on_track", "30场 / 50场 60%", expected=0.5),
            charts.ProgressRow("新建工作室", 0, 10, "behind", "0家 / 10家 0%")]
    chart = charts.progress_chart(rows, title="指标", width=600)
    fills = [shape for shape in chart.shapes if isinstance(shape, charts.Rect) and shape.fill != charts.TRACK]
    tracks = [shape for shape in chart.shapes if isinstance(shape, charts.Rect) and shape.fill == charts.TRACK]
    assert len(fills) == 1 and fills[0].fill == charts.BLUE  # nothing drawn for a count of 0
    track = tracks[0]
    assert fills[0].width == pytest.approx(track.width * 30 / (50 * charts.OVERSHOOT), abs=0.2)
    target_mark, time_mark = [shape for shape in chart.shapes if isinstance(shape, charts.Line)][:2]
    assert target_mark.x1 == pytest.approx(track.x + track.width / charts.OVERSHOOT, abs=0.2)
    assert time_mark.dash and time_mark.x1 == pytest.approx(track.x + track.width * 0.5 / charts.OVERSHOOT, abs=0.2)
    labels = [shape.text for shape in chart.shapes if isinstance(shape, charts.Label)]
    assert "每年举办竞赛" in labels and "30场 / 50场 60%" in labels
    assert chart.width == 600 and chart.height == 6 + 2 * charts.PROGRESS_ROW + 4


def test_stacked_bars_put_the_series_end_to_end_and_overlaid_bars_start_at_zero():
    series = (charts.Series("一类", (2, 0), charts.BLUE), charts.Series("二类", (1, 3), charts.LIGHT_BLUE))
    stacked = charts.horizontal_bars(["省级", "市级"], series, title="竞赛",
                                     options=charts.BarOptions(mode="stacked"))
    bars = [s for s in stacked.shapes if isinstance(s, charts.Rect) and s.fill in (charts.BLUE, charts.LIGHT_BLUE)
            and s.title]
    first, second = bars[0], bars[1]
    assert second.x == pytest.approx(first.x + first.width, abs=0.2)  # 二类 follows 一类 on the same row
    overlay = charts.horizontal_bars(["省级", "市级"], series, title="资金")
    bars = [s for s in overlay.shapes if isinstance(s, charts.Rect) and s.title]
    assert bars[0].x == bars[1].x


def test_month_columns_stand_on_the_axis_with_a_readable_scale():
    series = (charts.Series("已承诺", (0, 84000, 59000), charts.LIGHT_BLUE),)
    chart = charts.vertical_bars(["8月", "9月", "10月"], series, title="按月", width=400, height=200,
                                 options=charts.BarOptions(axis_format=metrics.wan))
    bars = [s for s in chart.shapes if isinstance(s, charts.Rect) and s.title]
    assert len(bars) == 2
    bottom = 200 - 24
    assert all(bar.y + bar.height == pytest.approx(bottom, abs=0.2) for bar in bars)
    assert bars[0].height > bars[1].height
    axis = [s.text for s in chart.shapes if isinstance(s, charts.Label) and s.anchor == "end"]
    assert axis[0] == "0" and axis[-1] == "10万"


def test_long_labels_are_cut_to_fit():
    assert charts.fit_text("新建市级高技能人才公共实训基地", 100, 13).endswith("…")
    assert charts.text_width(charts.fit_text("新建市级高技能人才公共实训基地", 100, 13), 13) <= 100
    assert charts.fit_text("短", 100, 13) == "短"
