"""The OCG history and ledger on the built demo, checked against the extract files as sent (not
against anything else the warehouse computed): every group's state in every extract month is
what that month's file said, and the ledger counts each validated disruption against a group
on the register once, weighted by its impact level."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from pipelines.settings import SEEDS_DIR, Paths

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(built_demo):
    con = duckdb.connect(str(Paths(built_demo).published), read_only=True)
    yield con
    con.close()


def register_rows(demo: Path) -> dict[tuple[str, str], dict]:
    rows = {}
    for path in sorted((demo / "extracts" / "ocg_register").glob("ocg_register_*.csv")):
        with path.open() as f:
            rows |= {(r["ocg_ref"], r["extract_month"]): r for r in csv.DictReader(f)}
    return rows


def test_the_history_gives_each_month_the_state_its_extract_said(built_demo, published):
    sent = register_rows(Paths(built_demo).demo)
    months = sorted({m for _, m in sent})
    assert len(months) == 24
    history = published.sql("""
        select h.ocg_ref, m.month, h.owner_code, h.morile_score, h.morile_band, h.status, h.archive_reason,
               h.lro_ref, h.date_reviewed::varchar
        from marts.dim_ocg_history h
        join marts.dim_month m on m.month between h.valid_from_month and coalesce(h.valid_to_month, '9999-12')
        where m.month between ? and ?""", params=[months[0], months[-1]]).fetchall()
    got = {(ref, month): rest for ref, month, *rest in history}
    assert len(got) == len(history)  # intervals of a group never overlap
    expected = {k: [r["owner_code"], int(r["morile_score"]), r["morile_band"], r["status"],
                    r["archive_reason"] or None, r["lro_ref"], r["date_reviewed"]] for k, r in sent.items()}
    assert {k: list(v) for k, v in got.items()} == expected
    changes = published.sql("""
        select count(distinct ocg_ref) filter (where n_owners > 1), count(distinct ocg_ref) filter (where n_scores > 1)
        from (select ocg_ref, count(distinct owner_code) as n_owners, count(distinct morile_score) as n_scores
              from marts.dim_ocg_history group by 1)""").fetchone()
    assert changes[0] >= 5 and changes[1] >= 100
    assert published.sql("select count(*) from marts.dim_ocg_history where is_current").fetchone()[0] == \
        sum(1 for _, m in sent if m == months[-1])


def test_the_ledger_counts_validated_disruptions_against_groups_on_the_register_once(built_demo, published):
    demo = Paths(built_demo).demo
    sent = register_rows(demo)
    with (demo / "truth" / "disruption_twins.csv").open() as f:
        twins = {t["force_disruption_ref"] for t in csv.DictReader(f)}
    with (SEEDS_DIR / "reference" / "impact_levels.csv").open() as f:
        weight = {r["impact_level"]: int(r["weight"]) for r in csv.DictReader(f)}
    first_month = min(m for _, m in sent)

    def on_register(ref: str, month: str) -> bool:
        row = sent.get((ref, month))
        if row is None:
            return False
        if row["status"] == "active":
            return True
        previous = [m for r, m in sent if r == ref and m < month]
        return bool(previous) and sent[(ref, max(previous))]["status"] == "active" and month > first_month

    records = [c for path in sorted((demo / "extracts" / "disruptions").glob("*.csv"))
               for c in csv.DictReader(path.read_text().splitlines())]
    keys = ("ocg_ref", "disruption_date", "threat_area_code", "strand")
    led = {(c["rocu_code"], *(c[k] for k in keys)) for c in records
           if c["lead_agency_type"] == "rocu" and c["lead_unit_code"] in ("", c["rocu_code"])}
    # A supporting unit's record of a disruption its lead unit recorded too: the group's disruption once.
    supported = {c["disruption_ref"] for c in records if c["lead_agency_type"] == "rocu"
                 and c["lead_unit_code"] not in ("", c["rocu_code"])
                 and (c["lead_unit_code"], *(c[k] for k in keys)) in led}
    assert supported
    counts, weighted = Counter(), Counter()
    for c in records:
        month = c["disruption_date"][:7]
        if (c["validation_status"] == "validated" and c["ocg_ref"] and c["disruption_ref"] not in twins
                and c["disruption_ref"] not in supported and on_register(c["ocg_ref"], month)):
            counts[(c["ocg_ref"], month)] += 1
            weighted[(c["ocg_ref"], month)] += weight[c["impact_level"]]
    ledger = published.sql("select ocg_ref, month, disruptions, impact_weighted_disruptions"
                           " from marts.fct_ocg_ledger_monthly where disruptions > 0").fetchall()
    assert {(r, m): n for r, m, n, _ in ledger} == dict(counts)
    assert {(r, m): w for r, m, _, w in ledger} == dict(weighted)


def test_the_summary_shows_the_measures_the_inspection_asked_for(published):
    """Enough of the threat is disrupted, untouched and dismantled in the demo for every measure
    to show, and a unit's threat areas add up to what its groups say."""
    totals = published.sql("""
        select sum(high_band_ocgs), sum(high_band_disrupted), sum(high_band_untouched_6m),
               sum(dismantled_after_disruption), sum(high_band_force_held), sum(high_band_rocu_held)
        from marts.fct_ocg_ledger_summary where period_type = 'financial_year' and threat_area_code = 'ALL'""").fetchone()
    assert all(t > 0 for t in totals), totals
    high, disrupted, untouched, *_ = totals
    assert disrupted < high and untouched < high
    by_month = published.sql("""
        select s.rocu_code, s.period, sum(s.ocgs) filter (where s.threat_area_code <> 'ALL'),
               sum(s.ocgs) filter (where s.threat_area_code = 'ALL'), any_value(l.n)
        from marts.fct_ocg_ledger_summary s
        join (select rocu_code, month, count(*) as n from marts.fct_ocg_ledger_monthly group by all) l
          on l.rocu_code = s.rocu_code and l.month = s.period
        where s.period_type = 'month' group by all""").fetchall()
    assert len(by_month) == 9 * 24 and all(areas == unit == n for _, _, areas, unit, n in by_month)
