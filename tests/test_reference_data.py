"""Reference data as dbt seeds, loaded and tested by the real dbt into a real DuckDB (the demo build)."""

import duckdb
import pytest

from pipelines.settings import Paths


@pytest.fixture(scope="module")
def reference_db(built_demo):
    """The seeds as the demo build loaded them, having passed their tests (the build fails otherwise)."""
    con = duckdb.connect(str(Paths(built_demo).warehouse), read_only=True)
    yield con
    con.close()


def test_nine_units_and_forty_one_forces(reference_db):
    assert reference_db.sql("select count(*) from reference.rocus").fetchone()[0] == 9
    current = reference_db.sql("select count(*) from reference.forces where effective_to is null").fetchone()[0]
    assert current == 41


def test_memberships_that_differ_from_ons_regions(reference_db):
    rows = dict(reference_db.sql(
        "select force_code, rocu_code from reference.forces where effective_to is null"
        " and force_code in ('NORTH_WALES', 'KENT')").fetchall())
    assert rows == {"NORTH_WALES": "NWROCU", "KENT": "ERSOU"}


def test_every_current_force_has_population_and_officers(reference_db):
    missing = reference_db.sql("""
        select f.force_code from reference.forces f
        where f.effective_to is null
          and (f.force_code not in (select force_code from reference.population)
               or f.force_code not in (select force_code from reference.police_officers))
    """).fetchall()
    assert missing == []


def test_welsh_population_is_marked_approximate(reference_db):
    rows = reference_db.sql("""
        select p.force_code, p.status from reference.population p
        join reference.forces f using (force_code)
        where f.country = 'Wales' and f.effective_to is null and p.year = 2019
    """).fetchall()
    assert len(rows) == 4 and all(status == "approximate" for _, status in rows)
    english = reference_db.sql("select list_distinct(list(status)) from reference.population"
                               " where force_code = 'CLEVELAND' and year <= 2019").fetchone()[0]
    assert english == ["published"]


def test_the_newest_bases_cover_every_force_with_their_date_and_status(reference_db):
    """Mid-2024 population (provisional: a secondary copy of the ONS table) and officers at
    31 March 2025, for every current force; the older series stay for the months they cover."""
    newest = dict(reference_db.sql("""
        select 'population', list_distinct(list(p.as_at::varchar || ' ' || p.status)) || [count(*)::varchar]
        from reference.population p join reference.forces f using (force_code)
        where f.effective_to is null and p.as_at = (select max(as_at) from reference.population)
        union all
        select 'officers', list_distinct(list(o.as_at::varchar || ' ' || o.status)) || [count(*)::varchar]
        from reference.police_officers o join reference.forces f using (force_code)
        where f.effective_to is null and o.as_at = (select max(as_at) from reference.police_officers)
    """).fetchall())
    current = reference_db.sql("select count(*)::varchar from reference.forces where effective_to is null").fetchone()[0]
    assert newest == {"population": ["2024-06-30 provisional", current], "officers": ["2025-03-31 published", current]}
    kept = reference_db.sql("select min(year) from reference.population").fetchone()[0]
    assert kept == 2009


def test_calendar_financial_years_run_april_to_march(reference_db):
    rows = dict(reference_db.sql(
        "select month, financial_year from reference.calendar_months where month in ('2025-03', '2025-04')"
    ).fetchall())
    assert rows == {"2025-03": "2024/25", "2025-04": "2025/26"}
    q = reference_db.sql("select financial_quarter from reference.calendar_months where month = '2025-07'")
    assert q.fetchone()[0] == "2025/26 Q2"


def test_all_nine_soc_threat_areas_plus_the_nca_tenth(reference_db):
    rows = reference_db.sql(
        "select count(*) filter (where in_soc_strategy_2018), count(*) from reference.threat_areas").fetchone()
    assert rows == (9, 10)
