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
from pathlib import Path

import polars as pl

from pipelines.settings import Paths

TARGETS = Path(__file__).with_name("calibration_targets.csv")


def targets() -> list[dict]:
    with TARGETS.open(newline="") as f:
        return list(csv.DictReader(f))


def _last_months(demo: Path, n: int = 12) -> list[str]:
    periods = pl.read_csv(demo / "manifest.csv")["period"].unique().sort()
    return periods.to_list()[-n:]


def _register_at_end(demo: Path) -> pl.DataFrame:
    last = sorted((demo / "extracts" / "ocg_register").glob("ocg_register_*.csv"))[-1]
    return pl.read_csv(last).filter(pl.col("status") == "active")


def _yearly(demo: Path, code: str, metric_id: str) -> float:
    truth = pl.read_csv(demo / "truth" / "expected_values.csv")
    return float(truth.filter((pl.col("rocu_code") == code) & (pl.col("metric_id") == metric_id)
                              & pl.col("period").is_in(_last_months(demo)))["value"].sum())


def _led_disruptions(demo: Path) -> dict[str, int]:
    """Disruptions each unit led and claimed itself in the last 12 months (a partner's, a force's
    or a supporting unit's record of the same disruption is not the unit's)."""
    files = sorted((demo / "extracts" / "disruptions").glob("disruptions_*.csv"))
    records = pl.concat([pl.read_csv(f, infer_schema=False) for f in files])
    led = records.filter((pl.col("lead_agency_type") == "rocu") & (pl.col("claiming_agency") == "rocu")
                         & pl.col("lead_unit_code").fill_null(pl.col("rocu_code")).eq(pl.col("rocu_code"))
                         & pl.col("disruption_date").str.slice(0, 7).is_in(_last_months(demo)))
    return dict(led.group_by("rocu_code").len().iter_rows())


def _last_resources(demo: Path) -> pl.DataFrame:
    """Every unit's newest quarterly resources return, as (section, item, value) rows."""
    manifest = pl.read_csv(demo / "resources_manifest.csv")
    newest = manifest.filter(pl.col("period") == pl.col("period").max())
    frames = []
    for path in newest["path"]:
        file = demo / path
        frame = (pl.read_excel(file, read_options={"header_row": 2}, infer_schema_length=0) if file.suffix == ".xlsx"
                 else pl.read_csv(file, infer_schema=False))
        frames.append(frame.select("section", "item", pl.col("value").cast(pl.Float64)))
    return pl.concat(frames)


def _budget(demo: Path) -> pl.DataFrame:
    return _last_resources(demo).filter(pl.col("section") == "budget")


MEASURES: dict[str, Callable[[Path], float]] = {
    "Organised crime groups mapped and active across England and Wales":
        lambda demo: float(_register_at_end(demo).height),
    "Members per organised crime group":
        lambda demo: float(_register_at_end(demo)["membership_size"].mean()),
    "ERSOU arrests in a year": lambda demo: _yearly(demo, "ERSOU", "PUR_ARRESTS"),
    "ERSOU confiscation in a year": lambda demo: _yearly(demo, "ERSOU", "PUR_CONFISCATION_VALUE") / 1e6,
    "ERSOU-led disruptions in a year": lambda demo: float(_led_disruptions(demo).get("ERSOU", 0)),
    "EMSOU-led disruptions in a year": lambda demo: float(_led_disruptions(demo).get("EMSOU", 0)),
    "Largest unit's led disruptions in a year": lambda demo: float(max(_led_disruptions(demo).values())),
    "ROCU officers and staff in post":
        lambda demo: float(_last_resources(demo).filter(pl.col("section") == "staff_role")["value"].sum()),
    "ROCU network budget": lambda demo: float(_budget(demo)["value"].sum()) / 1e6,
    "Home Office share of ROCU funding":
        lambda demo: 100 * float(_budget(demo).filter(pl.col("item") == "home_office_rocu_grant")["value"].sum())
        / float(_budget(demo)["value"].sum()),
}


def measure(demo: Path) -> list[dict]:
    """Each target with the demo's figure and whether it is in the target's range."""
    rows = []
    for target in targets():
        value = MEASURES[target["figure"]](demo)
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
