"""Derive the population, officer and calendar seeds from the public reference files.

Run once when the reference files change; the outputs in seeds/reference/ are committed
so that a fresh clone needs nothing outside the repository. Figures are copied as
published (ONS / Home Office, Open Government Licence v3.0), only reshaped to long form
and keyed by the force codes of seeds/reference/forces.csv. Every row says when the figure
is "as at", where it comes from and its status (seeds/reference/denominator_statuses.csv);
the older series are kept, so past months keep the base they had.
"""

from __future__ import annotations

import argparse
import csv
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds" / "reference"

# Welsh force areas are missing from the ONS file: approximate mid-2019 sums of local
# authority estimates, flagged as approximate (see docs/reference-data.md).
WELSH_2019 = {"DYFED_POWYS": 520_000, "GWENT": 594_000, "NORTH_WALES": 700_000, "SOUTH_WALES": 1_341_000}
OFFICER_DATES = {"September 2018": "2018-09-30", "March 2019": "2019-03-31", "September 2019": "2019-09-30"}


POPULATION_2024_SOURCE = ("ONS police force area data tables (Table P3), mid-2024 estimate rounded to 100, "
                          "as processed in SGilr/justice-pipeline; not checked against the ONS workbook")
OFFICERS_2025_SOURCE = "Home Office police workforce England and Wales, 31 March 2025 (open data table)"


def force_codes() -> dict[str, str]:
    """One lookup from every spelling in the public files to a force code ('' for names with no
    ROCU, regions and totals): the names of forces.csv plus force_name_spellings.csv."""
    with (SEEDS / "forces.csv").open() as f:
        codes = {row["force_name"]: row["force_code"] for row in csv.DictReader(f)}
    with (SEEDS / "force_name_spellings.csv").open() as f:
        codes |= {row["spelling"]: row["force_code"] for row in csv.DictReader(f)}
    return codes


def code_for(name: str, codes: dict[str, str], src: Path) -> str:
    """The force code of a name in a public file; an unknown name stops the run (never dropped quietly)."""
    if name not in codes:
        raise SystemExit(f"{src.name}: force name {name!r} is not in forces.csv or force_name_spellings.csv; "
                         "add the spelling to seeds/reference/force_name_spellings.csv")
    return codes[name]


def derive_population(src: Path, latest: Path, codes: dict[str, str]) -> None:
    header = ["force_code", "year", "as_at", "population", "status", "source"]
    rows = []
    with src.open() as f:
        for rec in csv.DictReader(f):
            for name, value in rec.items():
                if name in ("", "year"):
                    continue
                code = code_for(name, codes, src)
                if code:
                    year = int(rec["year"])
                    rows.append((code, year, f"{year}-06-30", int(value), "published", "ONS mid-year estimates"))
    rows += [(code, 2019, "2019-06-30", pop, "approximate", "Approximate sum of ONS local authority estimates")
             for code, pop in WELSH_2019.items()]
    with latest.open() as f:
        for rec in csv.DictReader(f):
            code = code_for(rec["force_name"], codes, latest)
            if code:
                year = int(rec["year"])
                rows.append((code, year, f"{year}-06-30", int(rec["population"]), "provisional",
                             POPULATION_2024_SOURCE))
    check_every_force([(r[0], r[2]) for r in rows], latest)
    write(SEEDS / "population.csv", header, sorted(rows))


def derive_officers(src: Path, latest: Path, codes: dict[str, str]) -> None:
    rows, region_seen = [], set()
    with src.open() as f:
        for rec in csv.DictReader(f):
            name = rec["Force/Region"]
            # "West Midlands" is both a region row and a force row: the region comes first.
            if name == "West Midlands" and name not in region_seen:
                region_seen.add(name)
                continue
            code = code_for(name, codes, src)
            if code:
                rows += [(code, as_at, round(float(rec[col]), 2), "published", "Home Office police workforce")
                         for col, as_at in OFFICER_DATES.items()]
    with latest.open() as f:
        for rec in csv.DictReader(f):
            code = code_for(rec["force_name"], codes, latest)
            if code:
                rows.append((code, rec["as_at"], round(float(rec["officers"]), 2), "published", OFFICERS_2025_SOURCE))
    check_every_force([(r[0], r[1]) for r in rows], latest)
    write(SEEDS / "police_officers.csv", ["force_code", "as_at", "officer_fte", "status", "source"], sorted(rows))


def check_every_force(as_at_by_force: list[tuple[str, str]], latest: Path) -> None:
    """The newest table must cover every force with a ROCU, or some unit's base would mix years."""
    with (SEEDS / "forces.csv").open() as f:
        wanted = {row["force_code"] for row in csv.DictReader(f)}
    newest = max(as_at for _, as_at in as_at_by_force)
    missing = wanted - {code for code, as_at in as_at_by_force if as_at == newest}
    if missing:
        raise SystemExit(f"{latest.name}: no figure for {', '.join(sorted(missing))}")


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
    ref = args.reference
    derive_population(ref / "population_police_force_areas_england_2009_2019.csv",
                      ref / "population_police_force_areas_2024.csv", codes)
    derive_officers(ref / "police_officer_fte_2018_2019.csv", ref / "police_officer_fte_2025_03_31.csv", codes)
    derive_calendar(2015, 2030)


if __name__ == "__main__":
    main()
