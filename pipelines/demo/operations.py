"""Synthetic operations and taskings (APMIS-style) and the attendance of regional tasking meetings.

Operations follow the threat loosely (threat areas drawn with the register's weights) and each
unit's own regional priorities strongly, as the inspection found: a unit whose regional
priorities depart from the national ones (SWROCU in seeds/priorities/regional_priorities.csv)
puts its effort where its local interests lie. Some units generate much of their own work
rather than taking it from tasking. Operations target groups of the unit's register in the
same threat area where there are any.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.demo.ocg_register import REGION_SHORT, THREAT_WEIGHTS
from pipelines.demo.volumes import Region
from pipelines.months import month_end, month_start
from pipelines.settings import SEEDS_DIR

OPERATION_COLUMNS = ["operation_ref", "rocu_code", "tasked_by", "threat_area_code", "ocg_refs",
                     "start_date", "end_date", "status"]
PRIORITY_FACTOR = {"high": 3.0, "medium": 1.0, "low": 0.3}  # how much a unit's own priority pulls effort
TASKED_BY = ("national_tasking", "regional_ttcg", "force_gateway", "self_generated")
ROUTE_SHARES = {"default": (0.10, 0.50, 0.25, 0.15), "SWROCU": (0.05, 0.25, 0.20, 0.50),
                "TARIAN": (0.10, 0.35, 0.35, 0.20)}
OPERATIONS_PER_1000_OFFICERS = 0.45  # started per month
MEAN_MONTHS_OPEN = 9
LEAD_IN_MONTHS = 12  # operations started this long before the run may still be open in it
SUSPENDED_SHARE = 0.08
NATIONAL_ATTENDANCE = {"default": 0.92, "TARIAN": 0.55, "SWROCU": 0.7}  # unit attended the national group
FORCE_ATTENDANCE = 0.85
PARTNER_ATTENDANCE = {"NCA": 0.8}
OTHER_PARTNER_ATTENDANCE = 0.25


def regional_levels() -> dict[tuple[str, str], list[tuple[date, date, str]]]:
    """(unit, threat area) -> [(from, to, level)] from the regional priorities seed."""
    seed = pl.read_csv(SEEDS_DIR / "priorities" / "regional_priorities.csv", try_parse_dates=True)
    out: dict[tuple[str, str], list[tuple[date, date, str]]] = {}
    for code, area, level, start, end in seed.select(
            "rocu_code", "threat_area_code", "priority_level", "effective_from", "effective_to").iter_rows():
        out.setdefault((code, area), []).append((start, end, level))
    return out


def _level(levels: dict, code: str, area: str, day: date) -> str:
    return next((lvl for start, end, lvl in levels.get((code, area), []) if start <= day <= end), "medium")


def operations(rng: np.random.Generator, regions: dict[str, Region], groups: dict[str, list[tuple]],
               months: list[str]) -> pl.DataFrame:
    """Every operation each unit led that was open at some time in ``months``, as at the last month's end."""
    levels = regional_levels()
    areas = list(THREAT_WEIGHTS)
    threat = np.array([THREAT_WEIGHTS[a] for a in areas])
    run_start, as_at = month_start(months[0]), month_end(months[-1])
    first = run_start - timedelta(days=30 * LEAD_IN_MONTHS)
    rows = []
    pulls: dict[tuple[str, int, int], np.ndarray] = {}
    by_area: dict[tuple[str, str], list[tuple]] = {}
    for code, held in groups.items():
        for group in held:
            by_area.setdefault((code, group[1]), []).append(group)
    for code, region in regions.items():
        rate = OPERATIONS_PER_1000_OFFICERS * region.officers / 1000 * (as_at - first).days / 30.4
        starts = sorted(first + timedelta(days=int(d)) for d in rng.integers(0, (as_at - first).days, rng.poisson(rate)))
        routes = ROUTE_SHARES.get(code, ROUTE_SHARES["default"])
        for number, start in enumerate(starts, start=1):
            key = (code, start.year, start.month)  # priorities change at most monthly
            if key not in pulls:
                weights = threat * np.array([PRIORITY_FACTOR[_level(levels, code, a, start)] for a in areas])
                pulls[key] = weights / weights.sum()
            area = areas[int(rng.choice(len(areas), p=pulls[key]))]
            end = start + timedelta(days=int(rng.exponential(MEAN_MONTHS_OPEN * 30.4)) + 14)
            if end < run_start:
                continue  # closed before the run: not in the extract
            status = "closed" if end <= as_at else ("suspended" if rng.random() < SUSPENDED_SHARE else "active")
            live = [g[0] for g in by_area.get((code, area), []) if g[4] <= start and (g[5] is None or g[5] > start)]
            picked = [live[i] for i in rng.choice(len(live), size=min(len(live), int(rng.integers(0, 4))),
                                                  replace=False)] if live else []
            rows.append([f"OP-{REGION_SHORT[code]}-{start:%y}{number:03d}", code,
                         TASKED_BY[int(rng.choice(4, p=routes))], area, ";".join(sorted(picked)) or None,
                         start, end if status == "closed" else None, status])
    schema = {"operation_ref": pl.String, "rocu_code": pl.String, "tasked_by": pl.String,
              "threat_area_code": pl.String, "ocg_refs": pl.String, "start_date": pl.Date,
              "end_date": pl.Date, "status": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def with_attendance(rng: np.random.Generator, regions: dict[str, Region], meetings: pl.DataFrame,
                    ops: pl.DataFrame, partners: list[str]) -> pl.DataFrame:
    """Meetings with who attended (forces, partners, the unit at the national group) and the
    operations discussed (some of those open on the day)."""
    forces, others, national, discussed = [], [], [], []
    by_unit: dict[str, list[tuple]] = {}
    for ref, code, start, end in ops.select("operation_ref", "rocu_code", "start_date", "end_date").iter_rows():
        by_unit.setdefault(code, []).append((ref, start, end))
    for code, day in meetings.select("rocu_code", "meeting_date").iter_rows():
        present = [f[0] for f in regions[code].forces if rng.random() < FORCE_ATTENDANCE] or [regions[code].forces[0][0]]
        forces.append(";".join(present))
        came = [p for p in partners if rng.random() < PARTNER_ATTENDANCE.get(p, OTHER_PARTNER_ATTENDANCE)]
        others.append(";".join(came) or None)
        national.append("yes" if rng.random() < NATIONAL_ATTENDANCE.get(code, NATIONAL_ATTENDANCE["default"]) else "no")
        open_ops = [ref for ref, start, end in by_unit.get(code, []) if start <= day and (end is None or end >= day)]
        k = min(len(open_ops), int(rng.integers(1, 5)))
        discussed.append(";".join(sorted(rng.choice(open_ops, size=k, replace=False))) if k else None)
    return meetings.with_columns(pl.Series("forces_represented", forces, pl.String),
                                 pl.Series("partners_represented", others, pl.String),
                                 pl.Series("national_tasking_attended", national, pl.String),
                                 pl.Series("operations_discussed", discussed, pl.String))


def partner_codes() -> list[str]:
    return pl.read_csv(SEEDS_DIR / "resources" / "partner_agencies.csv")["agency_code"].to_list()
