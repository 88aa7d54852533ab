"""A synthetic APMIS-style disruption extract, with some disruptions claimed twice.

About 8% of ROCU-led disruptions against an OCG are also claimed by one of the ROCU's
forces: a second record with its own reference but the same OCG, date, threat area and
strand. That is the matching rule the warehouse uses to count a disruption once, so the
generator makes sure no two other records share those four things (and never twins a
record without an OCG), and lists the true pairs for tests. Most second claims come from a
force; some from the NCA, HMRC or Border Force, which the same rule counts once.

Each record says what it was against (an OCG exactly when it names one), which agency claimed
it, when it was claimed and, once validated or rejected, when. These details are drawn from a
random stream of their own, so adding them left every other figure of the demo as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.months import days_in_month, month_end, month_start
from pipelines.demo.ocg_register import draw_threat_area
from pipelines.demo.resources import profiles
from pipelines.demo.volumes import Region, seasonal_factor

DISRUPTIONS_PER_MILLION = 10.0  # all claims; led share by unit below (docs/demo-calibration.md)
TWIN_SHARE = 0.115  # of ROCU-led disruptions with an OCG: about 8% of all ROCU-led ones
WEAK_PREVENT_PROTECT = frozenset({"ROCUWM", "SWROCU"})
SPARSE_NARRATIVE = {"ROCUWM": 0.3, "SWROCU": 0.2}
# Share of its disruptions each unit leads, by its operating model (resource_profiles.csv): some
# units lead most investigations, others mostly support their forces', as the inspection found.
LED_SHARE = {p["rocu_code"]: float(p["led_share"]) for p in profiles()}
IMPACTS = (["major", "moderate", "minor"], [0.15, 0.40, 0.45])
NARRATIVES = {
    "pursue": {
        "DRUGS": ["Warrant executed at a storage address; Class A drugs and cash seized.",
                  "County line deal number deactivated and the line holder charged.",
                  "Cannabis cultivation site dismantled and supply chain interrupted."],
        "FIREARMS": ["Lethal-barrelled firearm and ammunition recovered before onward sale.",
                     "Converted weapons workshop closed and equipment seized."],
        "MONEY_LAUNDERING": ["Account freezing order obtained against mule accounts.",
                             "Cash courier intercepted and funds seized under POCA."],
        "FRAUD": ["Call centre used for courier fraud closed; devices seized.",
                  "Principal members charged with conspiracy to defraud."],
        "OAC": ["Vehicle ringing operation disrupted; stolen vehicles recovered.",
                "Burglary series linked to the group and two members remanded."],
    },
    "default": ["Key member arrested and remanded; group activity reduced.",
                "Intelligence-led operation removed a supply route used by the group.",
                "Assets restrained and criminal finances disrupted."],
    "prevent": ["Serious crime prevention order obtained against a principal member.",
                "Young person diverted from the group through a planned intervention."],
    "protect": ["Businesses targeted by the group given protect advice.",
                "Potential victims identified and safeguarded with partner agencies."],
    "prepare": ["Multi-agency exercise tested the response to a linked incident.",
                "Structured debrief after an operation; lessons shared with forces."],
}
# Other agencies' claims: a partner's second claim of a ROCU-led disruption, and the few records
# a partner claims alone.
PARTNER_TWIN_SHARE = 0.25
CROSS_UNIT_SHARE = 0.03  # of unit-led disruptions against an OCG: another unit supported and records it too
PARTNER_CLAIM_SHARE = 0.02
PARTNERS = ["nca", "hmrc", "border_force"]
# What a disruption without an OCG was against, by strand.
AGAINST = {"pursue": (["priority_individual", "other"], [0.7, 0.3]),
           "prevent": (["priority_individual", "vulnerability", "other"], [0.5, 0.3, 0.2]),
           "protect": (["vulnerability", "other"], [0.8, 0.2]),
           "prepare": (["other", "vulnerability"], [0.8, 0.2])}
# Mean days from claim to validation: most units validate within their 28-day target, two lag.
VALIDATION_DAYS = {"ROCUWM": 40.0, "SWROCU": 34.0}
DEFAULT_VALIDATION_DAYS = 14.0
DISRUPTION_COLUMNS = ["disruption_ref", "disruption_date", "lead_agency_type", "lead_unit_code",
                      "rocu_code", "threat_area_code", "strand", "impact_level", "ocg_ref",
                      "against_type", "claiming_agency", "narrative", "validation_status",
                      "claim_date", "validation_date"]


@dataclass(frozen=True)
class Disruption:
    disruption_date: date
    lead_agency_type: str
    lead_unit_code: str
    rocu_code: str
    threat_area_code: str
    strand: str
    impact_level: str
    ocg_ref: str
    narrative: str
    validation_status: str
    twin_of: int | None = None  # index of the ROCU record this force claim duplicates
    against_type: str = "other"
    claiming_agency: str = "rocu"
    claim_date: date | None = None
    validation_date: date | None = None


def _pick(rng: np.random.Generator, options: list[str], weights: list[float] | None = None) -> str:
    p = None if weights is None else np.array(weights) / sum(weights)
    return options[int(rng.choice(len(options), p=p))]


def _narrative(rng: np.random.Generator, rocu_code: str, strand: str, threat: str) -> str:
    if rng.random() < SPARSE_NARRATIVE.get(rocu_code, 0.08):
        return ""
    if strand == "pursue":
        return _pick(rng, NARRATIVES["pursue"].get(threat, NARRATIVES["default"]))
    return _pick(rng, NARRATIVES[strand])


def _status(rng: np.random.Generator, recent: bool) -> str:
    weights = [0.62, 0.33, 0.05] if recent else [0.86, 0.09, 0.05]
    return _pick(rng, ["validated", "pending", "rejected"], weights)


def month_disruptions(rng: np.random.Generator, region: Region, month: str,
                      groups: list[tuple], used: set[tuple], recent: bool) -> list[Disruption]:
    """One region's disruptions dated in ``month``, twins included (marked by twin_of)."""
    code = region.rocu_code
    forces = [f[0] for f in region.forces]
    shares = [float(f[2]) for f in region.forces]
    strand_w = [0.95, 0.02, 0.02, 0.01] if code in WEAK_PREVENT_PROTECT else [0.78, 0.09, 0.09, 0.04]
    mu = DISRUPTIONS_PER_MILLION * region.population / 1e6 * seasonal_factor(code, month)
    first, last = month_start(month), month_end(month)
    live = [g for g in groups if g[4] <= last and (g[5] is None or g[5] > first)]  # at some time in the month
    out: list[Disruption] = []
    for _ in range(int(rng.poisson(mu))):
        day = first + timedelta(days=int(rng.integers(0, days_in_month(month))))
        rocu_led = rng.random() < LED_SHARE.get(code, 0.55)
        lead = code if rocu_led else _pick(rng, forces, shares)
        strand = _pick(rng, ["pursue", "prevent", "protect", "prepare"], strand_w)
        threat, ocg = draw_threat_area(rng), ""
        group = _active_on(rng, live, day) if rng.random() < (0.8 if strand == "pursue" else 0.4) else None
        if group:
            ocg = group[0]
            threat = group[1] if rng.random() < 0.9 else threat
            key = (code, ocg, day, threat, strand)
            if key in used:
                ocg = ""  # would look like a twin: record it without the OCG link
            else:
                used.add(key)
        record = Disruption(day, "rocu" if rocu_led else "force", lead, code, threat, strand,
                            _pick(rng, *IMPACTS), ocg, _narrative(rng, code, strand, threat),
                            _status(rng, recent))
        out.append(record)
        if rocu_led and ocg and rng.random() < TWIN_SHARE:
            owner = group[3]
            force = owner if owner in forces else _pick(rng, forces, shares)
            out.append(replace(record, lead_agency_type="force", lead_unit_code=force, claiming_agency="force",
                               narrative=_narrative(rng, code, strand, threat),
                               validation_status=_status(rng, recent),
                               twin_of=len(out) - 1))
    return out


def _active_on(rng: np.random.Generator, live: list[tuple], day: date) -> tuple | None:
    """A group active on ``day``, drawn evenly from ``live`` (those active at some time in its month)."""
    if not live:
        return None
    for _ in range(50):  # almost every group active in the month is active on the day: one or two tries
        group = live[int(rng.integers(0, len(live)))]
        if group[4] <= day and (group[5] is None or group[5] > day):
            return group
    return None


def supported_by_other_units(rng: np.random.Generator, records: list[Disruption],
                             codes: list[str]) -> list[Disruption]:
    """Another unit's records of unit-led disruptions it supported: the same OCG, date, threat area
    and strand, in the supporting unit's extract with the leading unit named as lead. Each unit counts
    it; the network counts it once (int_disruptions__counted)."""
    out = []
    for r in records:
        if (r.lead_agency_type == "rocu" and r.ocg_ref and r.twin_of is None
                and rng.random() < CROSS_UNIT_SHARE):
            other = _pick(rng, [c for c in codes if c != r.rocu_code])
            out.append(replace(r, rocu_code=other, lead_unit_code=r.rocu_code))
    return out


def claim_details(rng: np.random.Generator, records: list[Disruption], as_at: date) -> list[Disruption]:
    """``records`` with what each was against, who claimed it and its claim and validation dates.

    A claim is made within the month of the disruption; a validated or rejected one is decided
    some days later, by ``as_at`` at the latest (the extract's date: its status is already drawn).
    A partner agency's second claim of a ROCU-led disruption names the ROCU as its lead.
    """
    twinned = {r.twin_of for r in records if r.twin_of is not None}  # the unit's claims a partner claims too
    n = len(records)  # draws made for all records at once: a draw per call costs more than the rest
    shares, picks, lags, spans = rng.random(n), rng.random(n), rng.geometric(0.3, n) - 1, rng.gamma(2.0, 0.5, n)
    out = []
    for i, r in enumerate(records):
        options, weights = AGAINST[r.strand]
        against = "ocg" if r.ocg_ref else _choose(options, weights, picks[i])
        agency = r.claiming_agency
        lead_type, lead_unit = r.lead_agency_type, r.lead_unit_code
        if r.twin_of is not None and shares[i] < PARTNER_TWIN_SHARE:
            agency, lead_type, lead_unit = _choose(PARTNERS, None, picks[i]), "rocu", r.rocu_code
        elif r.twin_of is None and i not in twinned and shares[i] < PARTNER_CLAIM_SHARE:
            agency = _choose([*PARTNERS, "other"], None, picks[i])
        claimed = min(r.disruption_date + timedelta(days=int(lags[i])),
                      month_end(r.disruption_date.strftime("%Y-%m")))
        decided = None
        if r.validation_status != "pending":
            mean = VALIDATION_DAYS.get(r.rocu_code, DEFAULT_VALIDATION_DAYS)
            decided = min(claimed + timedelta(days=int(spans[i] * mean)), as_at)
        out.append(replace(r, against_type=against, claiming_agency=agency, lead_agency_type=lead_type,
                           lead_unit_code=lead_unit, claim_date=claimed, validation_date=decided))
    return out


def _choose(options: list[str], weights: list[float] | None, u: float) -> str:
    """The option a uniform draw ``u`` falls on, by ``weights`` (equal when None)."""
    weights = weights or [1.0] * len(options)
    edge, total = 0.0, sum(weights)
    for option, weight in zip(options, weights):
        edge += weight / total
        if u < edge:
            return option
    return options[-1]


def number_records(records: list[Disruption], rng: np.random.Generator,
                   first_number: int) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """Give a month's records references in date order; return them and the twin pairs."""
    order = sorted(range(len(records)),
                   key=lambda i: (records[i].disruption_date, float(rng.random())))
    refs = {i: f"APM-{first_number + n:06d}" for n, i in enumerate(order)}
    rows = []
    for i in order:
        r = records[i]
        rows.append([refs[i], r.disruption_date, r.lead_agency_type, r.lead_unit_code,
                     r.rocu_code, r.threat_area_code, r.strand, r.impact_level,
                     r.ocg_ref or None, r.against_type, r.claiming_agency, r.narrative or None,
                     r.validation_status, r.claim_date, r.validation_date])
    pairs = [(refs[r.twin_of], refs[i]) for i, r in enumerate(records) if r.twin_of is not None]
    schema = {c: pl.String for c in DISRUPTION_COLUMNS} | {c: pl.Date for c in DISRUPTION_COLUMNS if "date" in c}
    return pl.DataFrame(rows, schema=schema, orient="row"), pairs


def month_extract(rng: np.random.Generator, regions: dict[str, Region], month: str,
                  groups: dict[str, list[tuple]], used: set[tuple], recent: bool,
                  first_number: int, details: np.random.Generator,
                  as_at: date) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """All regions' disruptions for ``month``, numbered from ``first_number``, as at ``as_at``.

    ``details`` draws each record's claim details (claim_details), apart from ``rng``.
    """
    records: list[Disruption] = []
    for code, region in regions.items():
        base = len(records)
        for r in month_disruptions(rng, region, month, groups.get(code, []), used, recent):
            records.append(r if r.twin_of is None else replace(r, twin_of=base + r.twin_of))
    records += supported_by_other_units(rng, records, list(regions))
    return number_records(claim_details(details, records, as_at), rng, first_number)
