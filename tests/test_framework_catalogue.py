"""The common performance framework: a catalogue every return maps to."""

import polars as pl

from pipelines import framework_docs, reference

STRANDS = {"pursue", "prevent", "protect", "prepare"}


def test_catalogue_has_at_least_forty_metrics_with_unique_ids():
    metrics = reference.metrics()
    assert metrics.height >= 40
    assert metrics["metric_id"].n_unique() == metrics.height
    assert metrics["metric_id"].str.contains(r"^[A-Z][A-Z0-9_]+$").all()


def test_every_p_is_covered_and_not_only_by_pursue():
    counts = dict(reference.metrics().group_by("strand").len().iter_rows())
    assert STRANDS <= set(counts)
    for strand in ("prevent", "protect", "prepare"):
        assert counts[strand] >= 4, f"{strand} has only {counts[strand]} metrics"


def test_every_threat_area_has_a_metric():
    threats = set(pl.read_csv("seeds/reference/threat_areas.csv")["threat_area_code"])
    covered = set(reference.metrics()["threat_area_code"].drop_nulls())
    assert covered <= threats
    assert threats == covered, f"threat areas with no metric: {threats - covered}"


def test_enumerations_are_valid():
    m = reference.metrics()
    strands = set(pl.read_csv("seeds/reference/strands.csv")["strand_code"])
    assert set(m["strand"]) <= strands
    assert set(m["unit"]) <= {"count", "gbp", "kg", "fte", "percent", "years", "score"}
    assert set(m["time_aggregation"]) <= {"sum", "mean", "latest", "snapshot", "ratio"}
    assert set(m["space_aggregation"]) <= {"sum", "mean", "ratio"}
    assert set(m["source"]) == {"monthly_return", "disruption_extract", "ocg_register", "capacity_tasking_extract"}
    assert set(m["reported_by"]) <= {"unit", "force"}
    assert m["definition"].str.len_chars().min() > 20


def test_ratio_metrics_name_existing_numerator_and_denominator():
    m = reference.metrics()
    ids = set(m["metric_id"])
    for row in m.filter(pl.col("numerator_metric_id").is_not_null()).iter_rows(named=True):
        assert row["numerator_metric_id"] in ids and row["denominator_metric_id"] in ids
        assert row["time_aggregation"] == "ratio"


def test_capacity_tasking_and_qualitative_impact_are_first_class():
    ids = set(reference.metrics()["metric_id"])
    assert {"CAP_ESTABLISHMENT", "CAP_IN_POST", "CAP_FIXED_TERM", "CAP_LEAVERS", "TSK_MEETINGS_HELD",
            "TSK_GATEWAY_RECEIVED", "TSK_GATEWAY_ACCEPTED", "TSK_GATEWAY_DECLINED", "DIS_MAJOR",
            "DIS_MODERATE", "DIS_MINOR", "DIS_WITH_NARRATIVE_PCT"} <= ids


def test_framework_page_is_generated_from_the_catalogue():
    assert framework_docs.TARGET.read_text() == framework_docs.render(), "run `make docs`"
    text = framework_docs.TARGET.read_text()
    for metric_id in reference.metrics()["metric_id"]:
        assert f"`{metric_id}`" in text


def test_the_catalogue_does_not_say_more_tasking_meetings_is_better():
    """Issue 15: units meet on their own rhythms and more meetings is not better; the question is whether
    regional tasking is in step with the national cycle (fct_tasking_rhythm), so no direction is given."""
    metrics = reference.metrics()
    meetings = metrics.filter(pl.col("metric_id") == "TSK_MEETINGS_HELD")
    assert meetings["higher_is_better"].to_list() == [None]
