"""Synthetic OCG escalations from forces to their ROCU (APMIS-style), for the golden thread.

The inspection found tasking is "ask, not task": a force chooses which of its groups to escalate,
and the unit accepts or declines. Forces escalate a small share of their active groups each
month; most regions accept most of them, but a unit driven by
local interests (SWROCU) declines more, and in a region whose forces keep their high-threat
groups (NWROCU) few are escalated at all. A decision takes days to weeks; one not made by the
extract's date is pending.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from pipelines.demo.ocg_register import REGION_SHORT
from pipelines.months import month_end, month_start
from pipelines.settings import SEEDS_DIR

ESCALATION_COLUMNS = ["escalation_ref", "rocu_code", "force_code", "ocg_ref", "threat_area_code",
                      "requested_date", "decision", "decision_date", "decline_reason"]
ESCALATED_PER_MONTH = {"default": 0.008, "NWROCU": 0.0027}  # share of a force's active groups escalated
ACCEPTED = {"default": 0.68, "SWROCU": 0.42, "TARIAN": 0.55}  # share of decisions that accept
MEAN_DAYS_TO_DECISION = {"default": 18.0, "TARIAN": 35.0}
DECLINE_WEIGHTS = (0.35, 0.2, 0.2, 0.15, 0.1)  # in the order of seeds/reference/escalation_decline_reasons.csv


def escalations(rng: np.random.Generator, groups: dict[str, list[tuple]], months: list[str]) -> pl.DataFrame:
    """Every escalation requested in ``months``, with its decision as at the last month's end.

    ``groups`` is ocg_register.active_groups: per region (ocg_ref, threat, owner_type, owner,
    mapped, archived)."""
    reasons = pl.read_csv(SEEDS_DIR / "reference" / "escalation_decline_reasons.csv")["decline_reason"].to_list()
    as_at = month_end(months[-1])
    rows = []
    for code, held in groups.items():
        rate = ESCALATED_PER_MONTH.get(code, ESCALATED_PER_MONTH["default"])
        accept = ACCEPTED.get(code, ACCEPTED["default"])
        mean_days = MEAN_DAYS_TO_DECISION.get(code, MEAN_DAYS_TO_DECISION["default"])
        number = 0
        for month in months:
            first, last = month_start(month), month_end(month)
            for ref, threat, owner_type, owner, mapped, archived in held:
                if owner_type != "force" or mapped > last or (archived is not None and archived < first):
                    continue
                if rng.random() >= rate:
                    continue
                number += 1
                asked = first + timedelta(days=int(rng.integers(0, (last - first).days + 1)))
                decided = asked + timedelta(days=int(rng.gamma(2.0, mean_days / 2.0)) + 1)
                if decided > as_at:
                    decision, decided, reason = "pending", None, None
                elif rng.random() < accept:
                    decision, reason = "accepted", None
                else:
                    decision, reason = "declined", reasons[int(rng.choice(len(reasons), p=DECLINE_WEIGHTS))]
                rows.append([f"ESC-{REGION_SHORT[code]}-{asked:%y%m}{number:04d}", code, owner, ref, threat,
                             asked, decision, decided, reason])
    schema = {"escalation_ref": pl.String, "rocu_code": pl.String, "force_code": pl.String, "ocg_ref": pl.String,
              "threat_area_code": pl.String, "requested_date": pl.Date, "decision": pl.String,
              "decision_date": pl.Date, "decline_reason": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")
