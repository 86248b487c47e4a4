import xml.etree.ElementTree as ET

import pytest

from coffer.assistant import charts
from coffer.assistant.synthetic import Synthetic
from coffer.assistant.views import chart_svg


@pytest.mark.parametrize(
    "kind",
    ["spending_by_category", "monthly_trend", "budget_vs_actual", "forecast", "goal_progress"],
)
def test_charts_are_valid_svg(kind: str, synthetic: Synthetic) -> None:
    svg = chart_svg(kind, synthetic.data, synthetic.today)
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}title") is not None


def test_labels_are_escaped() -> None:
    svg = charts.bars([("<script>&", 1000)], "EUR", "Spending")
    assert "<script>" not in svg
    ET.fromstring(svg)
