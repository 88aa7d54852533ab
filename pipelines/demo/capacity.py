"""Synthetic capacity, tasking-meeting and Gateway extracts.

Capacity follows each region's officer numbers with a slowly drifting vacancy rate.
Tasking is deliberately irregular between units, as the inspection found: some hold
regional tasking monthly, others every 4, 6, 8 or 12 weeks, and a meeting is now and
then cancelled. Gateway requests come from each force in proportion to its population.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.months import month_end, month_start, parse_month
from pipelines.demo.volumes import Region, seasonal_factor

# Tasking cadence: "monthly" (second Tuesday) or a fixed number of weeks from an anchor.
TASKING_CADENCE: dict[str, str | int] = {
    "NEROCU": "monthly", "NWROCU": 4, "YHROCU": "monthly", "EMSOU": 6, "ROCUWM": 12,
    "ERSOU": 6, "SEROCU": "monthly", "SWROCU": 12, "TARIAN": 8,
}
TASKING_ANCHOR = date(2015, 1, 6)  # a Tuesday; units offset by a day or two
CANCELLED_SHARE = 0.05

CAPACITY_COLUMNS = ["rocu_code", "month", "establishment_fte", "in_post_fte", "fixed_term_fte",
                    "leavers"]
MEETING_COLUMNS = ["rocu_code", "meeting_date", "meeting_type"]
GATEWAY_COLUMNS = ["rocu_code", "force_code", "month", "received", "accepted", "declined"]


class CapacityModel:
    """Per-unit staffing that drifts month to month rather than jumping about."""

    def __init__(self, rng: np.random.Generator, regions: dict[str, Region]) -> None:
        self.rng = rng
        self.regions = regions
        self.establishment = {c: round(r.officers * rng.uniform(0.028, 0.036), 1)
                              for c, r in regions.items()}
        self.fill = {c: float(rng.uniform(0.84, 0.96)) for c in regions}
        self.fixed_term = {c: float(rng.uniform(0.05, 0.16)) for c in regions}

    def month(self, month: str) -> pl.DataFrame:
        rows = []
        for code in self.regions:
            if parse_month(month)[1] == 4:  # new financial year, new funded posts
                self.establishment[code] = round(self.establishment[code] * 1.02, 1)
            self.fill[code] = float(np.clip(self.fill[code] + self.rng.normal(0, 0.01), 0.78, 0.99))
            est = self.establishment[code]
            in_post = round(est * self.fill[code], 1)
            fixed = round(in_post * self.fixed_term[code], 1)
            leavers = int(self.rng.poisson(in_post * 0.009))
            rows.append([code, month, est, in_post, fixed, leavers])
        schema = {"rocu_code": pl.String, "month": pl.String, "establishment_fte": pl.Float64,
                  "in_post_fte": pl.Float64, "fixed_term_fte": pl.Float64, "leavers": pl.Int64}
        return pl.DataFrame(rows, schema=schema, orient="row")


def _second_tuesday(month: str) -> date:
    first = month_start(month)
    return first + timedelta(days=(1 - first.weekday()) % 7 + 7)


def tasking_meetings(rng: np.random.Generator, regions: dict[str, Region], month: str) -> pl.DataFrame:
    """Regional tasking meetings held in ``month`` (an empty table if none)."""
    start, end = month_start(month), month_end(month)
    rows = []
    for i, code in enumerate(regions):
        cadence = TASKING_CADENCE.get(code, "monthly")
        if cadence == "monthly":
            days = [_second_tuesday(month)]
        else:
            anchor = TASKING_ANCHOR + timedelta(days=i % 3)
            step = 7 * int(cadence)
            k = -(-(start - anchor).days // step)
            days = []
            while (day := anchor + timedelta(days=k * step)) <= end:
                days.append(day)
                k += 1
        for day in days:
            if rng.random() >= CANCELLED_SHARE:
                rows.append([code, day, "regional tasking"])
    schema = {"rocu_code": pl.String, "meeting_date": pl.Date, "meeting_type": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


def gateway_requests(rng: np.random.Generator, regions: dict[str, Region], month: str,
                     acceptance: dict[str, float]) -> pl.DataFrame:
    """Requests for regional support from each force: received >= accepted + declined."""
    rows = []
    for code, region in regions.items():
        for force_code, _, population in region.forces:
            received = int(rng.poisson(3.5 * population / 1e6 * seasonal_factor(code, month)))
            accepted = int(rng.binomial(received, acceptance[code]))
            declined = int(rng.binomial(received - accepted, 0.75))
            rows.append([code, force_code, month, received, accepted, declined])
    schema = {"rocu_code": pl.String, "force_code": pl.String, "month": pl.String,
              "received": pl.Int64, "accepted": pl.Int64, "declined": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")
