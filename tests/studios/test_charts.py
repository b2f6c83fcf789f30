"""Chart geometry (studios.charts): bins, the cut line, points across years."""
from decimal import Decimal

from studios.charts import FRAME, histogram_start, score_histogram, scores_by_year


def test_scores_fall_in_five_point_bins_with_100_in_the_last():
    chart = score_histogram([Decimal("72"), Decimal("74.9"), Decimal("75"), Decimal("100"), Decimal("95")], None)
    counts = {(bar.lower, bar.upper): bar.count for bar in chart.bars if bar.count}
    assert counts == {(70, 75): 2, (75, 80): 1, (95, 100): 2}
    assert chart.total == 5 and chart.cut_x is None


def test_the_axis_starts_low_enough_for_the_lowest_score_and_the_pass_line():
    assert histogram_start([Decimal(88)]) == 50
    assert histogram_start([Decimal("37.5"), Decimal(90)]) == 30
    assert histogram_start([]) == 0


def test_the_cut_line_sits_at_the_last_excellent_score():
    chart = score_histogram([Decimal(60), Decimal(80), Decimal(100)], Decimal(80))
    assert chart.cut_label == "80"
    assert chart.cut_x == FRAME.left + (FRAME.right - FRAME.left) * 0.6  # 80 on a 50–100 axis
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.y >= FRAME.top and tallest.y + tallest.height == FRAME.bottom


def test_scores_across_years_are_in_year_order_on_a_0_to_100_scale():
    chart = scores_by_year([(2025, Decimal("83.2")), (2024, Decimal(100))])
    assert [(point.year, point.score) for point in chart.points] == [(2024, "100"), (2025, "83.2")]
    assert chart.points[0].y == FRAME.top and chart.points[0].x < chart.points[1].x
    assert chart.polyline.count(",") == 2
