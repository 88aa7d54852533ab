"""Quarterly resources returns for the demo: budget, spend, staff and leavers per unit and quarter.

Each unit's shape (size, budget per head, Home Office share, mix of roles and contracts, how
often people leave, when its grant was confirmed, CSV or workbook) is in resource_profiles.csv
beside this module, chosen so the network looks like the public figures in
docs/reference-data.md: about 3,400 people in post after the 2021-23 uplift (2,703 in March
2021 plus 725 uplift officers), a network budget a little over £200m (£166m in 2018/19) and
about 30% of it from the Home Office, 70% from PCCs and forces. Units differ on purpose
(operating model, funding per head, reliance on fixed-term posts) so comparisons show
something. Files follow the resources return template (docs/templates/resources-return.md).
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import xlsxwriter

from pipelines.months import add_months, working_day

PROFILES = Path(__file__).with_name("resource_profiles.csv")
HEADER = ["unit", "quarter", "section", "item", "detail", "value", "confirmed_on"]
BUDGET_GROWTH = 0.03  # a year, from 2025/26 (the public 70/30 split's year)
AGENCIES = ("NCA", "HMRC", "IMMIGRATION_ENFORCEMENT", "HMPPS", "DWP", "LOCAL_AUTHORITY", "GLAA")
LEAVER_DESTINATIONS = {"back_to_force": 0.55, "nca": 0.18, "private_sector": 0.15, "other": 0.12}


def profiles() -> list[dict]:
    with PROFILES.open() as f:
        return list(csv.DictReader(f))


def quarter_months(quarter: str) -> list[str]:
    """'2025-Q1' -> ['2025-04', '2025-05', '2025-06'] (financial-year quarters)."""
    year, n = int(quarter[:4]), int(quarter[-1])
    first = f"{year}-{3 * n + 1:02d}" if n < 4 else f"{year + 1}-01"
    return [first, add_months(first, 1), add_months(first, 2)]


def quarters_in(months: list[str]) -> list[str]:
    """Every financial-year quarter whose three months all fall in `months`."""
    found = []
    for month in months:
        year, mon = int(month[:4]), int(month[5:])
        quarter = f"{year - (mon < 4)}-Q{((mon - 4) % 12) // 3 + 1}"
        if quarter not in found and set(quarter_months(quarter)) <= set(months):
            found.append(quarter)
    return found


def resource_rows(rng: np.random.Generator, profile: dict, quarter: str, step: int) -> list[list]:
    """The template rows of one unit's return for one quarter (`step` quarters into the run)."""
    code, fy = profile["rocu_code"], int(quarter[:4])
    staff = round(int(profile["staff_in_post"]) * (1 + 0.004 * step) * rng.uniform(0.985, 1.015))
    budget = staff * int(profile["budget_per_head_gbp"]) * (1 + BUDGET_GROWTH) ** (fy - 2025)
    ho, other = float(profile["home_office_share"]), float(profile["other_grants_share"])
    fy_start = date(fy, 4, 1)
    grant_day = fy_start + timedelta(days=int(profile["grant_confirmed_offset_days"]))
    rows = [
        ["budget", "home_office_rocu_grant", "", round(budget * ho, -3), grant_day.isoformat()],
        ["budget", "force_pcc_contributions", "", round(budget * (1 - ho - other), -3),
         (fy_start - timedelta(days=45)).isoformat()],
        ["budget", "other_grants", "Capability grant", round(budget * other, -3),
         (fy_start + timedelta(days=60)).isoformat()],
        ["spend", "spend_in_quarter", "", round(budget / 4 * rng.uniform(0.9, 1.04), -2), ""],
    ]
    embeds = round(staff * float(profile["embed_share"]))
    officers = round(staff * float(profile["officer_share"]))
    analysts = round(staff * float(profile["analyst_share"]))
    rows += [["staff_role", "officers", "", officers, ""],
             ["staff_role", "police_staff", "", staff - officers - analysts - embeds, ""],
             ["staff_role", "analysts_researchers", "", analysts, ""]]
    agencies = list(rng.choice(AGENCIES, size=3, replace=False))
    split = rng.multinomial(embeds, [0.5, 0.3, 0.2])
    rows += [["staff_role", "partner_embeds", a, int(n), ""] for a, n in zip(agencies, split) if n]
    fixed = round(staff * float(profile["fixed_term_share"]))
    fixed_ho, permanent_ho = round(fixed * 0.7), round(staff * ho * 0.2)  # some permanent posts are grant-paid
    rows += [["staff_contract", "permanent", "force_pcc_contributions", staff - fixed - permanent_ho, ""],
             ["staff_contract", "permanent", "home_office_rocu_grant", permanent_ho, ""],
             ["staff_contract", "fixed_term", "home_office_rocu_grant", fixed_ho, ""],
             ["staff_contract", "fixed_term", "other_grants", fixed - fixed_ho, ""]]
    leavers = rng.poisson(staff * float(profile["leavers_per_quarter"]))
    by_destination = rng.multinomial(leavers, list(LEAVER_DESTINATIONS.values()))
    rows += [["leavers", d, "", int(n), ""] for d, n in zip(LEAVER_DESTINATIONS, by_destination)]
    return [[code, quarter, *r] for r in rows]


def write_resources_return(out: Path, profile: dict, quarter: str, rows: list[list]) -> Path:
    """Write one return in the unit's format; returns its path relative to `out`."""
    code = profile["rocu_code"]
    relative = Path("resources") / code / f"{code}_resources_{quarter}.{profile['file_format']}"
    target = out / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if profile["file_format"] == "xlsx":
        wb = xlsxwriter.Workbook(str(target))
        wb.set_properties({"created": datetime(int(quarter[:4]), 1, 1), "author": "Demo"})
        sheet = wb.add_worksheet("Resources")
        sheet.write(0, 0, f"{code} quarterly resources return, {quarter}")  # a title row above the header
        sheet.write_row(2, 0, HEADER)
        for r, row in enumerate(rows, start=3):
            sheet.write_row(r, 0, row)
        wb.close()
    else:
        with target.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            writer.writerows(rows)
    return relative


def submitted_at(rng: np.random.Generator, quarter: str) -> str:
    """Resources returns arrive in working days 5 to 15 of the month after the quarter."""
    day = working_day(add_months(quarter_months(quarter)[-1], 1), int(rng.integers(5, 16)))
    return datetime(day.year, day.month, day.day, int(rng.integers(9, 17))).isoformat()


def write_resources(out: Path, months: list[str], seed: int) -> list[list]:
    """Every unit's resources return for every whole quarter of the run; the manifest rows."""
    rng = np.random.default_rng([seed, 6])
    manifest = []
    for step, quarter in enumerate(quarters_in(months)):
        for profile in profiles():
            relative = write_resources_return(out, profile, quarter, resource_rows(rng, profile, quarter, step))
            manifest.append([profile["rocu_code"], quarter, relative.as_posix(), submitted_at(rng, quarter)])
    return manifest
