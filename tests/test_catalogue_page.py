"""Issue 12 item 7: the Framework catalogue page is a document, not a table dump: grouped by
strand and threat area under plain headings, each metric with its full definition, the base it is
compared on, who reports it and whether it measures activity or outcome (all from dim_metric_guide)."""

from __future__ import annotations

from pathlib import Path

from tests.test_dashboard_apptest import fresh_caches, run, sql, texts, var  # noqa: F401 (fixtures)


def test_catalogue_is_a_document_with_a_heading_per_strand_and_threat_area(var: Path):
    at = run("catalogue")
    strands = [r[0] for r in sql(var, "select distinct strand_name, strand_sort_order from marts.dim_metric_guide"
                                     " order by strand_sort_order")]
    assert [h.value for h in at.header] == [*strands, "Peer groups"]
    subheadings = texts(at.subheader)
    for (area,) in sql(var, "select distinct threat_area_name from marts.dim_metric where threat_area_name is not null"):
        assert area in subheadings
    assert "All threat areas" in subheadings
    assert not at.dataframe, "the catalogue is a document, not a table dump"


def test_catalogue_says_how_units_are_grouped_into_peers(var: Path):
    at = run("catalogue")
    shown = texts(at.markdown)
    for name, description, default in sql(var, "select distinct grouping_name, grouping_description,"
                                               " is_default_grouping from marts.dim_unit_peer_group"):
        assert f"**{name}**{' (the default)' if default else ''}: " in shown
        assert description.split(",")[0] in shown


def test_every_metric_shows_its_definition_base_source_and_kind(var: Path):
    at = run("catalogue")
    body = texts(at.markdown)
    rows = sql(var, "select metric_name, definition, comparison_base, source_name, measures_name"
                    " from marts.dim_metric_guide")
    assert len(rows) >= 60
    plain = body.replace("\\", "")
    for name, definition, base, source, kind in rows:
        assert f"#### {name}" in plain
        assert definition in plain
        assert f"**Compared on:** {base}." in plain
        assert f"**Comes from:** {source}:" in plain
        assert f"**Measures:** {kind}." in plain
    assert "**Compared on:** Rate per 100,000 population and per 100 officers" in plain
    assert "**Compared on:** Share of funded establishment" in plain  # the vacancy rate's own base
    assert "**Measures:** Outcome." in plain and "**Measures:** Activity." in plain
    assert "**Comes from:** Monthly return: Each ROCU" in plain
    assert "**Reported by:** 9 of 9 units" in plain


def test_search_narrows_the_document(var: Path):
    at = run("catalogue")
    at.text_input(key="q").input("cyber").run()
    names = {r[0] for r in sql(var, "select metric_name from marts.dim_metric_guide where lower(metric_name || "
                                    "definition || coalesce(threat_area_code, '')) like '%cyber%'")}
    shown = {m.value.removeprefix("#### ").replace("\\", "") for m in at.markdown if m.value.startswith("#### ")}
    assert shown == names
    assert f"{len(names)} metrics" in texts(at.caption)
