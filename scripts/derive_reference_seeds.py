"""Derive the population, officer and calendar seeds from the public reference files.

Run once when the reference files change; the outputs in seeds/reference/ are committed
so that a fresh clone needs nothing outside the repository. Figures are copied as
published (ONS / Home Office, Open Government Licence v3.0), only reshaped to long form
and keyed by the force codes of seeds/reference/forces.csv.
"""

from __future__ import annotations

import argparse
import csv
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds" / "reference"

# Names in the public files that differ from forces.csv.
ALIASES = {"Avon & Somerset": "Avon and Somerset", "Devon & Cornwall": "Devon and Cornwall",
           "Hampshire": "Hampshire and Isle of Wight"}
# Welsh force areas are missing from the ONS file: approximate mid-2019 sums of local
# authority estimates, flagged as approximate (see docs/reference-data.md).
WELSH_2019 = {"DYFED_POWYS": 520_000, "GWENT": 594_000, "NORTH_WALES": 700_000, "SOUTH_WALES": 1_341_000}
OFFICER_DATES = {"September 2018": "2018-09-30", "March 2019": "2019-03-31", "September 2019": "2019-09-30"}


def force_codes() -> dict[str, str]:
    with (SEEDS / "forces.csv").open() as f:
        return {row["force_name"]: row["force_code"] for row in csv.DictReader(f)}


def derive_population(src: Path, codes: dict[str, str]) -> None:
    rows = []
    with src.open() as f:
        for rec in csv.DictReader(f):
            for name, value in rec.items():
                code = codes.get(ALIASES.get(name, name))
                if code:  # City of London and the Met have no ROCU
                    rows.append((code, int(rec["year"]), int(value), "false", "ONS mid-year estimates"))
    rows += [(code, 2019, pop, "true", "Approximate sum of ONS local authority estimates")
             for code, pop in WELSH_2019.items()]
    write(SEEDS / "population.csv", ["force_code", "year", "population", "is_approximate", "source"], sorted(rows))


def derive_officers(src: Path, codes: dict[str, str]) -> None:
    rows, region_seen = [], set()
    with src.open() as f:
        for rec in csv.DictReader(f):
            name = ALIASES.get(rec["Force/Region"], rec["Force/Region"])
            # "West Midlands" is both a region row and a force row: the region comes first.
            if name == "West Midlands" and name not in region_seen:
                region_seen.add(name)
                continue
            code = codes.get(name)
            if code:
                rows += [(code, as_at, round(float(rec[col]), 2), "Home Office police workforce")
                         for col, as_at in OFFICER_DATES.items()]
    write(SEEDS / "police_officers.csv", ["force_code", "as_at", "officer_fte", "source"], sorted(rows))


def derive_calendar(first_fy: int, last_fy: int) -> None:
    rows = []
    for year in range(first_fy, last_fy + 1):
        for i in range(12):
            m = (3 + i) % 12 + 1
            y = year if m >= 4 else year + 1
            start = date(y, m, 1)
            fy = f"{year}/{str(year + 1)[2:]}"
            rows.append((start.strftime("%Y-%m"), start.isoformat(), start.strftime("%B %Y"), y, m,
                         f"{y}-Q{(m - 1) // 3 + 1}", fy, i + 1, f"{fy} Q{i // 3 + 1}"))
    write(SEEDS / "calendar_months.csv",
          ["month", "month_start", "month_label", "calendar_year", "month_of_year", "calendar_quarter",
           "financial_year", "financial_month", "financial_quarter"], rows)


def write(path: Path, header: list[str], rows: list[tuple]) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"wrote {len(rows)} rows to {path.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reference", type=Path, default=ROOT.parent / "shared" / "reference")
    args = parser.parse_args()
    codes = force_codes()
    derive_population(args.reference / "population_police_force_areas_england_2009_2019.csv", codes)
    derive_officers(args.reference / "police_officer_fte_2018_2019.csv", codes)
    derive_calendar(2015, 2030)


if __name__ == "__main__":
    main()
