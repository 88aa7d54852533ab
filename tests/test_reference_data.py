"""Reference data as dbt seeds, loaded and tested by the real dbt into a real DuckDB."""

import duckdb
import pytest

from tests.conftest import run_dbt


@pytest.fixture(scope="module")
def reference_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reference")
    warehouse = tmp / "warehouse.duckdb"
    result = run_dbt(["build", "--select", "resource_type:seed", "assert_network_membership",
                      "--indirect-selection", "cautious"], warehouse,
                     tmp / "target")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "ERROR=0" in result.stdout and "FAIL" not in result.stdout.split("Done.")[-1].replace("FAIL=0", "")
    con = duckdb.connect(str(warehouse), read_only=True)
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
        select p.force_code, p.is_approximate from reference.population p
        join reference.forces f using (force_code) where f.country = 'Wales' and f.effective_to is null
    """).fetchall()
    assert len(rows) == 4 and all(approx for _, approx in rows)
    english = reference_db.sql("select bool_or(is_approximate) from reference.population"
                               " where force_code = 'CLEVELAND'").fetchone()[0]
    assert english is False


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
