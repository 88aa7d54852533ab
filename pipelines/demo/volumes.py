"""How big each region is, and the figures its monthly returns carry.

Volumes follow the region's population (latest year, summed over its current forces) or
its officers (latest count), with a December dip, a summer peak in some regions, a fixed
"style" per unit and measure, and Poisson-like noise. Every figure is drawn in the
framework unit and then rounded the way the unit writes it locally (pounds, thousands of
pounds, grams ...), so the expected framework value is exactly local value x multiplier,
the same arithmetic the parser does.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from pipelines import reference
from pipelines.months import parse_month

# Units whose returns split force-level measures by constituent force.
FORCE_SPLIT_UNITS = frozenset({"NEROCU", "ERSOU", "EMSOU"})
SUMMER_PEAK_UNITS = frozenset({"NWROCU", "SWROCU", "TARIAN", "SEROCU"})

# Decimal places a local unit is written with.
LOCAL_DECIMALS = {"count": 0, "gbp": 0, "gbp_thousands": 1, "kg": 3, "g": 0,
                  "years": 1, "percent": 0, "fraction": 2}

# metric_id -> how its monthly figure is drawn: kind, rate (per million people a month, or per
# thousand officers for prepare work, which follows the workforce), and for lumpy amounts the
# number of seizures or orders behind it. Each rate's basis (a public figure or an assumption) is
# in the file and in docs/demo-calibration.md.
RATES_FILE = Path(__file__).with_name("return_rates.csv")


@dataclass(frozen=True)
class Rate:
    kind: str  # count, amount, stock or percent
    rate: float
    driver: str  # pop, officers or none
    events_per_million: float | None  # a lumpy amount: this many seizures or orders a month


def rates() -> dict[str, Rate]:
    with RATES_FILE.open(newline="") as f:
        return {r["metric_id"]: Rate(r["kind"], float(r["rate"]), r["driver"],
                                     float(r["events_per_million"]) if r["events_per_million"] else None)
                for r in csv.DictReader(f)}


RATES = rates()
LUMP_SIGMA = 1.3  # spread of one seizure or order (lognormal): a few large ones dominate a month

# Labels units report that the framework does not have: written to the files, never mapped.
EXTRA_LABELS: dict[str, list[tuple[str, str, float]]] = {
    "NEROCU": [("Vehicles seized", "pursue", 4.0)],
    "SWROCU": [("Community engagement events", "prevent", 1.0)],
    "TARIAN": [("Dronau a adferwyd / Drones recovered", "pursue", 0.4)],
}


@dataclass(frozen=True)
class Region:
    """A ROCU with the size measures that drive its volumes."""

    rocu_code: str
    forces: tuple[tuple[str, str, int], ...]  # (force_code, force_name, population)
    population: int
    officers: float


@dataclass(frozen=True)
class Entry:
    """One figure in one return month, in the unit the ROCU writes it."""

    rocu_code: str
    month: str
    local_label: str
    metric_id: str | None  # None for labels the framework lacks
    strand: str
    force_code: str | None
    local_value: float
    local_unit: str
    multiplier: float

    @property
    def framework_value(self) -> float:
        return self.local_value * self.multiplier


def regions() -> dict[str, Region]:
    """Every ROCU with its current forces, latest population and latest officer count."""
    pop = reference.population()
    pop = pop.filter(pl.col("year") == pl.col("year").max().over("force_code"))
    off = reference.police_officers()
    off = off.filter(pl.col("as_at") == pl.col("as_at").max().over("force_code"))
    members = (
        reference.current_forces()
        .join(pop.select("force_code", "population"), on="force_code", how="left")
        .join(off.select("force_code", "officer_fte"), on="force_code", how="left")
        .sort("rocu_code", "force_code")
    )
    out: dict[str, Region] = {}
    for code in reference.rocus()["rocu_code"].to_list():
        rows = members.filter(pl.col("rocu_code") == code)
        forces = tuple(zip(rows["force_code"], rows["force_name"], rows["population"]))
        out[code] = Region(code, forces, int(rows["population"].sum()),
                           float(rows["officer_fte"].sum()))
    return out


def seasonal_factor(rocu_code: str, month: str) -> float:
    """Fewer operations over Christmas; some regions peak in the summer."""
    mon = parse_month(month)[1]
    factor = {12: 0.78, 1: 0.92}.get(mon, 1.0)
    if rocu_code in SUMMER_PEAK_UNITS and mon in (6, 7, 8):
        factor *= 1.18
    return factor


def _local(value: float, local_unit: str, multiplier: float) -> float:
    """Framework value -> the rounded figure a unit would write in its own unit."""
    return round(value / multiplier, LOCAL_DECIMALS[local_unit])


def _draw(rng: np.random.Generator, kind: str, mu: float, events: float | None = None) -> float:
    """One month's figure with mean ``mu``; ``events`` (a mean count) makes an amount lumpy."""
    if events:  # the sum of this month's seizures or orders, each lognormal with mean mu / events
        n = int(rng.poisson(events))
        scale = np.log(mu / events) - LUMP_SIGMA ** 2 / 2
        return float(rng.lognormal(scale, LUMP_SIGMA, n).sum())
    if kind == "count":
        return float(rng.poisson(mu))
    if kind == "amount":  # money, weights, years: skewed, occasionally nothing
        return 0.0 if rng.random() < np.exp(-mu) * 0.5 else float(rng.gamma(1.6, mu / 1.6))
    if kind == "stock":
        return float(max(0, round(mu * rng.normal(1.0, 0.03))))
    return float(np.clip(rng.normal(mu, 10), 5, 98))  # percent


def return_entries(rng: np.random.Generator, months: list[str]) -> dict[tuple[str, str], list[Entry]]:
    """Every figure of every unit's return for ``months``, keyed by (rocu_code, month)."""
    regs = regions()
    strand_of = dict(zip(reference.metrics()["metric_id"], reference.metrics()["strand"]))
    reported_by = dict(zip(reference.metrics()["metric_id"], reference.metrics()["reported_by"]))
    lmap = reference.label_map()
    out: dict[tuple[str, str], list[Entry]] = {}
    for code, region in regs.items():
        rows = lmap.filter(pl.col("rocu_code") == code).iter_rows(named=True)
        specs = [(r["local_label"], r["metric_id"], r["local_unit"], float(r["multiplier"]))
                 for r in rows]
        style = {label: float(rng.lognormal(0, 0.2)) for label, *_ in specs}
        shares = np.array([f[2] for f in region.forces], dtype=float)
        shares /= shares.sum()
        for month in months:
            season = seasonal_factor(code, month)
            entries: list[Entry] = []
            for label, metric_id, local_unit, mult in specs:
                spec = RATES[metric_id]
                kind = spec.kind
                size = {"pop": region.population / 1e6, "officers": region.officers / 1e3,
                        "none": 1.0}[spec.driver]
                mu = spec.rate * size * style[label] * (season if kind in ("count", "amount") else 1)
                events = spec.events_per_million * region.population / 1e6 if spec.events_per_million else None
                if code in FORCE_SPLIT_UNITS and reported_by[metric_id] == "force":
                    counts = rng.multinomial(int(rng.poisson(mu)), shares)
                    for (force_code, _, _), n in zip(region.forces, counts):
                        entries.append(Entry(code, month, label, metric_id, strand_of[metric_id],
                                             force_code, float(n), local_unit, mult))
                    continue
                value = _local(_draw(rng, kind, mu, events), local_unit, mult)
                entries.append(Entry(code, month, label, metric_id, strand_of[metric_id],
                                     None, value, local_unit, mult))
            for label, strand, rate in EXTRA_LABELS.get(code, []):
                n = float(rng.poisson(rate * region.population / 1e6 * season))
                entries.append(Entry(code, month, label, None, strand, None, n, "count", 1.0))
            out[(code, month)] = entries
    return out


def format_plain(entry: Entry) -> str:
    """The figure as a plain number string ('12', '123.4', '0.45')."""
    decimals = LOCAL_DECIMALS[entry.local_unit]
    return f"{entry.local_value:.{decimals}f}"


def format_text(entry: Entry) -> str:
    """The figure as a person types it: '£1,234,567', '1,234', '45%'."""
    decimals = LOCAL_DECIMALS[entry.local_unit]
    text = f"{entry.local_value:,.{decimals}f}"
    if entry.local_unit == "gbp":
        return "£" + text
    if entry.local_unit == "percent":
        return text + "%"
    return text


def cell_number(entry: Entry) -> int | float:
    """The figure for a spreadsheet number cell."""
    if LOCAL_DECIMALS[entry.local_unit] == 0:
        return int(entry.local_value)
    return entry.local_value
