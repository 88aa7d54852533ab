"""The OCG register as monthly extracts: each group's score, owner and status change over time.

Every month the NOCC receives the whole register as at the month end (archived groups stay on
it, with their archive date and reason), one file network-wide: ``ocg_register_<month>.csv``.
The warehouse derives each group's history from every landed file, so the demo makes that
history move: groups are reviewed about every six months (some late), most reviews re-score
them, a major or moderate disruption since the last scoring lowers the next score, about one
group in ten changes owner (a force hands it to its ROCU or takes it back), and a group
archived soon after being disrupted is more often recorded as dismantled.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import polars as pl

from pipelines.demo.ocg_register import REGION_SHORT, THREAT_WEIGHTS, morile_band
from pipelines.demo.volumes import Region
from pipelines.months import month_end

REVIEW_DAYS = 182  # a group is due for review six months after its last one
LATE_REVIEW_SHARE = 0.15  # reviews held two to five months late
RESCORE_SHARE = 0.7  # reviews that re-score the group
OWNER_CHANGE_SHARE = 0.20
SCORE_DROP = {"major": 9, "moderate": 4}  # next re-score after such a disruption
SCORE_DRIFT = 1.5  # in the run, an undisrupted group's threat grows a little between reviews
GEOGRAPHY = (["force", "regional", "national", "international"], [0.45, 0.35, 0.15, 0.05])
ARCHIVE_REASONS = ["dismantled", "inactive", "merged"]
EXTRACT_COLUMNS = ["ocg_ref", "extract_month", "owner_type", "owner_code", "rocu_code", "threat_area_code",
                   "threat_areas", "membership_size", "geography", "morile_score", "morile_band",
                   "date_mapped", "date_scored", "date_reviewed", "status", "date_archived",
                   "archive_reason", "lro_ref", "plan_4p_in_place", "plan_4p_reviewed"]


@dataclass(frozen=True)
class State:
    """What the register says about one group from ``since`` on."""

    since: date
    owner_type: str
    owner_code: str
    lro_ref: str
    score: int
    date_scored: date
    date_reviewed: date
    plan_in_place: bool
    plan_reviewed: bool


@dataclass
class Group:
    ref: str
    rocu_code: str
    threat_area_code: str
    threat_areas: str
    membership: int
    geography: str
    date_mapped: date
    date_archived: date | None
    archive_reason: str | None
    states: list[State] = field(default_factory=list)


def _other_threats(rng: random.Random, principal: str) -> str:
    names = [n for n in THREAT_WEIGHTS if n != principal]
    extra: set[str] = set()
    for _ in range(rng.choices([0, 1, 2], [0.6, 0.3, 0.1])[0]):
        left = [n for n in names if n not in extra]
        extra.add(rng.choices(left, [THREAT_WEIGHTS[n] for n in left])[0])
    return ";".join([principal, *sorted(extra)])


def _new_owner(rng: random.Random, region: Region, state: State) -> tuple[str, str]:
    if state.owner_type == "force":
        return "rocu", region.rocu_code
    return "force", rng.choice([f[0] for f in region.forces])


def _lro(rng: random.Random, rocu_code: str) -> str:
    return f"LRO-{REGION_SHORT[rocu_code]}-{rng.randrange(1, 400):03d}"


def _history(rng: random.Random, region: Region, row: dict, hits: list[tuple[date, str]],
             run_start: date, until: date) -> Group:
    """One group's states from its mapping to ``until`` (or its archiving)."""
    mapped, archived = row["date_mapped"], row["date_archived"]
    end = min(until, archived) if archived else until
    state = State(mapped, row["owner_type"], row["owner_code"], _lro(rng, row["rocu_code"]),
                  row["morile_score"], mapped, mapped, rng.random() < 0.75, False)
    states = [state]
    changes_owner = rng.random() < OWNER_CHANGE_SHARE
    review = mapped + timedelta(days=REVIEW_DAYS)
    while True:
        if rng.random() < LATE_REVIEW_SHARE:
            review += timedelta(days=rng.randrange(60, 150))
        if review > end:
            break
        score, scored = state.score, state.date_scored
        if rng.random() < RESCORE_SHARE:
            drop = sum(SCORE_DROP.get(impact, 0) for day, impact in hits if scored < day <= review)
            drift = SCORE_DRIFT if review >= run_start else 0.0  # before the run no disruption is drawn either
            score = min(99, max(1, round(score + rng.gauss(drift, 6)) - drop))
            scored = review
        owner_type, owner_code, lro = state.owner_type, state.owner_code, state.lro_ref
        if changes_owner and rng.random() < 0.35:
            owner_type, owner_code = _new_owner(rng, region, state)
            lro, changes_owner = _lro(rng, row["rocu_code"]), False
        plan = state.plan_in_place or rng.random() < 0.5
        state = replace(state, since=review, owner_type=owner_type, owner_code=owner_code, lro_ref=lro,
                        score=score, date_scored=scored, date_reviewed=review, plan_in_place=plan,
                        plan_reviewed=plan and rng.random() < 0.8)
        states.append(state)
        review += timedelta(days=REVIEW_DAYS)
    reason = None
    if archived:
        recent = any(archived - timedelta(days=183) <= day <= archived for day, _ in hits)
        p = [0.75, 0.15, 0.10] if recent else [0.30, 0.50, 0.20]
        reason = rng.choices(ARCHIVE_REASONS, p)[0]
    geography = rng.choices(*GEOGRAPHY)[0]
    return Group(row["ocg_ref"], row["rocu_code"], row["threat_area_code"],
                 _other_threats(rng, row["threat_area_code"]), int(min(80, max(3, rng.lognormvariate(2.0, 0.6)))),
                 geography, mapped, archived, reason, states)


def histories(rng: np.random.Generator, regions: dict[str, Region], register: pl.DataFrame,
              disruptions: pl.DataFrame, run_start: date, until: date) -> list[Group]:
    """Every group's history; ``disruptions`` are the validated claims (ocg_ref, date, impact).

    Scalar draws come from a Random seeded by ``rng``: per-group draws are many and small, where
    numpy's per-call cost would slow the default demo run.
    """
    draws = random.Random(int(rng.integers(2**63)))
    hits: dict[str, list[tuple[date, str]]] = {}
    for ref, day, impact in disruptions.select("ocg_ref", "disruption_date", "impact_level").iter_rows():
        hits.setdefault(ref, []).append((day, impact))
    return [_history(draws, regions[row["rocu_code"]], row, hits.get(row["ocg_ref"], []), run_start, until)
            for row in register.iter_rows(named=True)]


def month_extract(groups: list[Group], month: str) -> pl.DataFrame:
    """The register as at the end of ``month``: every group mapped by then, archived ones too."""
    end = month_end(month)
    rows = []
    for g in groups:
        if g.date_mapped > end:
            continue
        state = next(s for s in reversed(g.states) if s.since <= end)
        archived = g.date_archived if g.date_archived and g.date_archived <= end else None
        rows.append([g.ref, month, state.owner_type, state.owner_code, g.rocu_code, g.threat_area_code,
                     g.threat_areas, g.membership, g.geography, state.score, morile_band(state.score),
                     g.date_mapped, state.date_scored, state.date_reviewed,
                     "archived" if archived else "active", archived, g.archive_reason if archived else None,
                     state.lro_ref, str(state.plan_in_place).lower(), str(state.plan_reviewed).lower()])
    schema = {c: pl.String for c in EXTRACT_COLUMNS} | {
        "membership_size": pl.Int64, "morile_score": pl.Int64, "date_mapped": pl.Date,
        "date_scored": pl.Date, "date_reviewed": pl.Date, "date_archived": pl.Date}
    return pl.DataFrame(rows, schema=schema, orient="row")
