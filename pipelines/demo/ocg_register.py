"""A synthetic OCG register extract: who owns which organised crime group, and its threat.

MoRiLE scores are integers from 1 to 99, banded high (65 and over), medium (40 to 64)
and low (under 40). The inspection found forces often keep higher-threat OCGs than their
ROCU handles; in the regions listed in FORCES_HOLD_HIGHER the demo reproduces that
(force-owned groups score higher on average), elsewhere the ROCU holds the higher threat.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from pipelines.months import month_end, month_start
from pipelines.demo.volumes import Region

REGION_SHORT = {"NEROCU": "NE", "NWROCU": "NW", "YHROCU": "YH", "EMSOU": "EM",
                "ROCUWM": "WM", "ERSOU": "EE", "SEROCU": "SE", "SWROCU": "SW", "TARIAN": "WA"}
FORCES_HOLD_HIGHER = frozenset({"NWROCU", "ROCUWM", "ERSOU", "SWROCU"})
MORILE_HIGH, MORILE_MEDIUM = 65, 40
THREAT_WEIGHTS = {"DRUGS": 0.42, "OAC": 0.10, "MONEY_LAUNDERING": 0.09, "FRAUD": 0.08,
                  "FIREARMS": 0.07, "MSHT": 0.07, "OIC": 0.05, "CSEA": 0.04, "CYBER": 0.05,
                  "BRIBERY_CORRUPTION": 0.03}
# A steady register: about 4,000 active groups across England and Wales (the NAO's 4,500+ for the
# UK in 2019, by population; docs/demo-calibration.md), each mapped for about three years.
ACTIVE_OCGS_PER_MILLION = 76
MEAN_ACTIVE_YEARS = 3.0
MIN_ACTIVE_DAYS = 60
LEAD_IN_MONTHS = 12  # groups archived in the year before the run stay on its register, archived
MAX_AGE_YEARS = 12

OCG_COLUMNS = ["ocg_ref", "owner_type", "owner_code", "rocu_code", "threat_area_code",
               "morile_score", "morile_band", "date_mapped", "date_archived"]


def morile_band(score: int) -> str:
    if score >= MORILE_HIGH:
        return "high"
    return "medium" if score >= MORILE_MEDIUM else "low"


def draw_threat_area(rng: np.random.Generator) -> str:
    names = list(THREAT_WEIGHTS)
    weights = np.array(list(THREAT_WEIGHTS.values()))
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def _score(rng: np.random.Generator, rocu_code: str, owner_type: str) -> int:
    if rocu_code in FORCES_HOLD_HIGHER:
        mean = 62 if owner_type == "force" else 48
    else:
        mean = 45 if owner_type == "force" else 63
    return int(np.clip(round(rng.normal(mean, 13)), 1, 99))


def ocg_register(rng: np.random.Generator, regions: dict[str, Region], first_month: str,
                 end_month: str) -> pl.DataFrame:
    """Every OCG on the register from a year before ``first_month`` to the end of ``end_month``.

    A steady stock: the groups active at the start were mapped some years before (ages drawn from
    the same exponential lifetime), new groups are mapped at the rate groups are archived, and
    each group is archived after an exponential time mapped (memoryless, so the stock neither
    grows nor drains over the run).
    """
    end = month_end(end_month)
    start = month_start(first_month) - timedelta(days=round(30.4 * LEAD_IN_MONTHS))
    life = 365.25 * MEAN_ACTIVE_YEARS
    rows: list[dict] = []
    for code, region in regions.items():
        shares = np.array([f[2] for f in region.forces], dtype=float)
        shares /= shares.sum()
        stock = ACTIVE_OCGS_PER_MILLION * region.population / 1e6
        ages = np.minimum(rng.exponential(life, rng.poisson(stock)), 365.25 * MAX_AGE_YEARS)
        arrivals = rng.uniform(0, (end - start).days, rng.poisson(stock / life * (end - start).days))
        spells = [(start - timedelta(days=int(a)), start + timedelta(days=int(rng.exponential(life))))
                  for a in ages]
        spells += [(start + timedelta(days=int(d)),
                    start + timedelta(days=int(d) + MIN_ACTIVE_DAYS + int(rng.exponential(life))))
                   for d in arrivals]
        for k, (date_mapped, archived) in enumerate(sorted(spells), start=1):
            if rng.random() < 0.3:
                owner_type, owner = "rocu", code
            else:
                owner_type = "force"
                owner = region.forces[int(rng.choice(len(shares), p=shares))][0]
            score = _score(rng, code, owner_type)
            rows.append({
                "ocg_ref": f"OCG-{REGION_SHORT[code]}-{k:04d}",
                "owner_type": owner_type, "owner_code": owner, "rocu_code": code,
                "threat_area_code": draw_threat_area(rng),
                "morile_score": score, "morile_band": morile_band(score),
                "date_mapped": date_mapped, "date_archived": archived if archived <= end else None,
            })
    schema = {"ocg_ref": pl.String, "owner_type": pl.String, "owner_code": pl.String,
              "rocu_code": pl.String, "threat_area_code": pl.String, "morile_score": pl.Int64,
              "morile_band": pl.String, "date_mapped": pl.Date, "date_archived": pl.Date}
    return pl.DataFrame(rows, schema=schema, orient="row").select(OCG_COLUMNS)


def active_groups(register: pl.DataFrame) -> dict[str, list[tuple]]:
    """Per region, (ocg_ref, threat, owner_type, owner_code, mapped, archived) tuples.

    Plain tuples because the disruption generator asks "which groups were active that
    day?" thousands of times and plain tuples are the cheapest to scan.
    """
    out: dict[str, list[tuple]] = {}
    for row in register.iter_rows():
        ref, owner_type, owner, code, threat, _, _, mapped, archived = row
        out.setdefault(code, []).append((ref, threat, owner_type, owner, mapped, archived))
    return out
