"""How the demo compares with the public figures it is calibrated to.

    python -m pipelines.demo.calibration [--demo DIR]

calibration_targets.csv (beside this module) lists each public figure, its source and the range
the demo must fall in; this module measures the same figure on a generated demo folder (its own
files and truth, not the warehouse) and prints the two side by side. docs/demo-calibration.md
explains each figure and the return rates behind the rest (return_rates.csv).
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Callable
from functools import cached_property
from pathlib import Path

import polars as pl

from pipelines.settings import Paths

TARGETS = Path(__file__).with_name("calibration_targets.csv")


def targets() -> list[dict]:
    with TARGETS.open(newline="") as f:
        return list(csv.DictReader(f))


class DemoFiles:
    """What the measures read from one demo folder, each file read once however many measures use it."""

    def __init__(self, demo: Path):
        self.demo = demo

    @cached_property
    def last_months(self) -> list[str]:
        periods = pl.read_csv(self.demo / "manifest.csv")["period"].unique().sort()
        return periods.to_list()[-12:]

    @cached_property
    def register_at_end(self) -> pl.DataFrame:
        last = sorted((self.demo / "extracts" / "ocg_register").glob("ocg_register_*.csv"))[-1]
        return pl.read_csv(last).filter(pl.col("status") == "active")

    @cached_property
    def truth(self) -> pl.DataFrame:
        return pl.read_csv(self.demo / "truth" / "expected_values.csv")

    def yearly(self, code: str, metric_id: str) -> float:
        return float(self.truth.filter((pl.col("rocu_code") == code) & (pl.col("metric_id") == metric_id)
                                       & pl.col("period").is_in(self.last_months))["value"].sum())

    @cached_property
    def led_disruptions(self) -> dict[str, int]:
        """Disruptions each unit led and claimed itself in the last 12 months (a partner's, a force's
        or a supporting unit's record of the same disruption is not the unit's)."""
        files = sorted((self.demo / "extracts" / "disruptions").glob("disruptions_*.csv"))
        records = pl.concat([pl.read_csv(f, infer_schema=False) for f in files])
        led = records.filter((pl.col("lead_agency_type") == "rocu") & (pl.col("claiming_agency") == "rocu")
                             & pl.col("lead_unit_code").fill_null(pl.col("rocu_code")).eq(pl.col("rocu_code"))
                             & pl.col("disruption_date").str.slice(0, 7).is_in(self.last_months))
        return dict(led.group_by("rocu_code").len().iter_rows())

    @cached_property
    def last_resources(self) -> pl.DataFrame:
        """Every unit's newest quarterly resources return, as (section, item, value) rows."""
        manifest = pl.read_csv(self.demo / "resources_manifest.csv")
        newest = manifest.filter(pl.col("period") == pl.col("period").max())
        frames = []
        for path in newest["path"]:
            file = self.demo / path
            frame = (pl.read_excel(file, read_options={"header_row": 2}, infer_schema_length=0)
                     if file.suffix == ".xlsx" else pl.read_csv(file, infer_schema=False))
            frames.append(frame.select("section", "item", pl.col("value").cast(pl.Float64)))
        return pl.concat(frames)

    def resources(self, section: str, item: str | None = None) -> float:
        rows = self.last_resources.filter(pl.col("section") == section)
        return float((rows if item is None else rows.filter(pl.col("item") == item))["value"].sum())


MEASURES: dict[str, Callable[[DemoFiles], float]] = {
    "Organised crime groups mapped and active across England and Wales": lambda d: float(d.register_at_end.height),
    "Members per organised crime group": lambda d: float(d.register_at_end["membership_size"].mean()),
    "ERSOU arrests in a year": lambda d: d.yearly("ERSOU", "PUR_ARRESTS"),
    "ERSOU confiscation in a year": lambda d: d.yearly("ERSOU", "PUR_CONFISCATION_VALUE") / 1e6,
    "ERSOU-led disruptions in a year": lambda d: float(d.led_disruptions.get("ERSOU", 0)),
    "EMSOU-led disruptions in a year": lambda d: float(d.led_disruptions.get("EMSOU", 0)),
    "Largest unit's led disruptions in a year": lambda d: float(max(d.led_disruptions.values())),
    "ROCU officers and staff in post": lambda d: d.resources("staff_role"),
    "ROCU network budget": lambda d: d.resources("budget") / 1e6,
    "Home Office share of ROCU funding":
        lambda d: 100 * d.resources("budget", "home_office_rocu_grant") / d.resources("budget"),
}


def measure(demo: Path) -> list[dict]:
    """Each target with the demo's figure and whether it is in the target's range."""
    files, rows = DemoFiles(demo), []
    for target in targets():
        value = MEASURES[target["figure"]](files)
        rows.append(target | {"demo_value": value,
                              "in_range": float(target["low"]) <= value <= float(target["high"])})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", type=Path, default=Paths.from_env().demo)
    args = parser.parse_args(argv)
    rows = measure(args.demo)
    for row in rows:
        print(f"{row['figure']}: demo {row['demo_value']:,.1f}; public {float(row['public_value']):,.1f} "
              f"({row['as_at']}); range {row['low']} to {row['high']}; "
              f"{'in range' if row['in_range'] else 'OUT OF RANGE'}")
    return 0 if all(r["in_range"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
