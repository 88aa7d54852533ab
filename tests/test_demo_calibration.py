"""The demo is calibrated to public figures: each one's range holds on the demo the session built,
and each is documented with its source."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipelines import reference
from pipelines.demo.calibration import measure, targets
from pipelines.demo.volumes import RATES
from pipelines.settings import Paths

DOC = Path(__file__).parents[1] / "docs" / "demo-calibration.md"


@pytest.fixture(scope="module")
def calibration(built_demo: Path) -> list[dict]:
    return measure(Paths(built_demo).demo)


@pytest.mark.parametrize("figure", [t["figure"] for t in targets()])
def test_the_demo_is_in_the_public_range(calibration: list[dict], figure: str) -> None:
    row = next(r for r in calibration if r["figure"] == figure)
    assert row["in_range"], (f"{figure}: the demo has {row['demo_value']:,.1f}, outside {row['low']} to "
                             f"{row['high']} (public: {row['public_value']}, {row['as_at']}, {row['source_url']})")


def test_every_calibration_figure_is_documented_with_its_source() -> None:
    doc = DOC.read_text()
    for target in targets():
        assert target["figure"] in doc, target["figure"]
        assert target["source_url"].startswith("https://"), target
        assert float(target["low"]) <= float(target["public_value"]) <= float(target["high"]), target


def test_every_return_rate_is_a_framework_measure_with_its_basis() -> None:
    metrics = set(reference.metrics()["metric_id"])
    mapped = set(reference.label_map()["metric_id"].drop_nulls())
    assert set(RATES) <= metrics
    assert mapped <= set(RATES), f"measures the units report with no demo rate: {sorted(mapped - set(RATES))}"
    rates = pl.read_csv(Path(__file__).parents[1] / "pipelines" / "demo" / "return_rates.csv")
    assert rates.filter(~pl.col("basis").str.contains(r"^(public|assumption): ")).is_empty()


def test_register_is_thousands_of_groups_that_change_and_are_archived(built_demo: Path) -> None:
    """Thousands of groups held steady over the run (not draining), scores that move and archived
    groups; in some regions forces hold the higher-threat groups."""
    files = sorted((Paths(built_demo).demo / "extracts" / "ocg_register").glob("ocg_register_*.csv"))
    first, last = (pl.read_csv(f) for f in (files[0], files[-1]))
    active = [f.filter(pl.col("status") == "active").height for f in (first, last)]
    assert min(active) >= 3000 and abs(active[1] - active[0]) / active[0] < 0.15, active
    both = first.join(last, on="ocg_ref", suffix="_end").filter(pl.col("status") == "active")
    assert both.filter(pl.col("morile_score") != pl.col("morile_score_end")).height > 0.3 * both.height
    assert last.filter(pl.col("archive_reason") == "dismantled").height >= 100
    held = (last.filter(pl.col("status") == "active").group_by("rocu_code", "owner_type")
            .agg(pl.col("morile_score").mean()).pivot(on="owner_type", index="rocu_code", values="morile_score"))
    assert held.filter(pl.col("force") > pl.col("rocu")).height >= 2
