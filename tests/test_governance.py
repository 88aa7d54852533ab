"""Governance as data and the inspection tracker (issue 15 item 4): the Governance page shows the governance
marts' figures as they are, and a board member updates their own unit's tracker rows through a form whose
update is appended to the configuration store and the audit trail (never the seed), checked on the server."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from pipelines.access import AuditLog, PermissionDenied, UserStore
from pipelines.config_store import TABLES, ConfigStore
from pipelines.governance import set_status
from pipelines.serving.formats import count, day
from pipelines.settings import SEEDS_DIR, Paths
from tests.conftest import make_session
from tests.test_dashboard_apptest import fresh_caches, run, sql, table, var  # noqa: F401

SEED = SEEDS_DIR / TABLES["recommendation_status"].seed


def digest() -> str:
    return hashlib.sha256(SEED.read_bytes()).hexdigest()


# --- the rule of who may record what (no warehouse needed) -----------------------------------

def test_an_update_is_appended_to_the_store_and_audited_and_the_seed_is_untouched(tmp_path):
    before = digest()
    paths = Paths(tmp_path)
    store, audit = ConfigStore.at(paths), AuditLog.at(paths)
    board = make_session(tmp_path, "board_member", "EMSOU")
    when = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
    after = set_status("R5", "EMSOU", "in_progress", "Two forces still to adopt", "https://intranet.example/r5",
                       who=board, actor=board.username, audit=audit, store=store, now=when)
    assert after["updated_by"] == "board_member.emsou" and after["as_at"] == "2026-11-26"
    (change,) = store.changes()
    assert change.table == "recommendation_status" and change.actor == "board_member.emsou"
    assert change.before["status"] == "met"  # the seed's row it replaced
    assert change.after == after
    rows = [r for r in store.effective("recommendation_status").rows if (r["item_ref"], r["rocu_code"]) == ("R5", "EMSOU")]
    assert [r["status"] for r in rows] == ["in_progress"]
    (record,) = [r for r in audit.records() if r.action == "recommendation_update"]
    assert (record.actor, record.target) == ("board_member.emsou", "R5: EMSOU")
    assert record.detail["config_change"] == 1 and record.detail["after"] == after
    assert digest() == before


@pytest.mark.parametrize("role,unit,target,item,words", [
    ("board_member", "EMSOU", "NWROCU", "R4", "does not allow you to update the inspection tracker for NWROCU"),
    ("board_member", "EMSOU", "NETWORK", "R1", "for the network"),
    ("unit_approver", "EMSOU", "EMSOU", "R4", "does not allow you to update the inspection tracker"),
])
def test_a_role_or_unit_without_the_permission_records_nothing(tmp_path, role, unit, target, item, words):
    paths = Paths(tmp_path)
    who = make_session(tmp_path, role, unit)
    with pytest.raises(PermissionDenied, match=words):
        set_status(item, target, "met", "", "", who=who, actor=who.username, audit=AuditLog.at(paths),
                   store=ConfigStore.at(paths))
    assert ConfigStore.at(paths).changes() == []


@pytest.mark.parametrize("item,target,status,link,words", [
    ("R1", "EMSOU", "met", "", "R1 is tracked for the network as a whole"),
    ("R4", "NETWORK", "met", "", "the network's status comes from the units' statuses"),
    ("R4", "EMSOU", "done", "", "'done' is not a status"),
    ("R4", "EMSOU", "met", "intranet/minutes", "must be a web address"),
    ("R9", "EMSOU", "met", "", "'R9' is not one of the inspection's recommendations"),
])
def test_an_update_that_cannot_be_right_is_refused_plainly(tmp_path, item, target, status, link, words):
    paths = Paths(tmp_path)
    analyst = make_session(tmp_path, "nocc_analyst")
    with pytest.raises(ValueError, match=words):
        set_status(item, target, status, "", link, who=analyst, actor=analyst.username, audit=AuditLog.at(paths),
                   store=ConfigStore.at(paths))
    assert ConfigStore.at(paths).changes() == []


# --- the page, against the demo build -------------------------------------------------------

def test_the_governance_and_tracker_tables_are_the_marts_figures(var):
    at = run("governance", as_role="board_member", as_unit="YHROCU", unit="YHROCU")
    network = table(at, "Dual-hatted with force duties")
    expected = sql(var, "select rocu_name, chief_officer_post, dual_hatted, board_cadence_weeks,"
                        " counter_corruption_adopted, counter_corruption_adopted_on, strategic_groups"
                        " from marts.fct_governance_current order by rocu_name")
    assert network[["Unit", "Chief officer post", "Dual-hatted with force duties", "Board meets every (weeks)",
                    "Counter-corruption strategy adopted"]].values.tolist() == \
        [[n, post, "yes" if dual else "no", count(weeks), day(on) if adopted else "not adopted"]
         for n, post, dual, weeks, adopted, on, _ in expected]
    assert "not adopted" in set(network["Counter-corruption strategy adopted"])  # YHROCU, the demo's pattern
    assert {"yes", "no"} == set(network["Dual-hatted with force duties"])

    tracker = table(at, "The network")
    rows = sql(var, "select item_ref, status_name, is_recorded, evidence from marts.fct_recommendation_tracker"
                    " where rocu_code = 'YHROCU' order by item_order")
    own = dict(zip(tracker["Ref"], tracker["Yorkshire and the Humber"], strict=True))
    assert {ref: own[ref] for ref, *_ in rows} == {
        ref: name if recorded else f"{name} (nothing recorded)" for ref, name, recorded, _ in rows}
    ((r4, units_met, units_applicable),) = sql(
        var, "select status_name, units_met, units_applicable from marts.fct_recommendation_tracker"
             " where rocu_code = 'NETWORK' and item_ref = 'R4'")
    assert dict(zip(tracker["Ref"], tracker["The network"], strict=True))["R4"].startswith(
        f"{r4} (from the units: {units_met} of {units_applicable} units met")


def test_a_board_member_records_their_units_status_through_the_form(built_demo_copy):
    before = digest()
    at = run("governance", as_role="board_member", as_unit="EMSOU", unit="EMSOU")
    assert at.selectbox(key="w_target").options == ["East Midlands"]  # their unit only, not the network
    at.selectbox(key="w_item").set_value("R3")
    at.selectbox(key="w_status").set_value("in_progress")
    at.text_area(key="w_evidence").input("Joint SIO and LRO briefing in place since October")
    at.text_input(key="w_link").input("https://intranet.example/emsou/r3")
    next(b for b in at.button if b.label == "Record the status").click().run()
    assert not at.exception and not at.error
    notice = " ".join(s.value for s in at.success)
    assert "in the configuration store and the audit trail" in notice
    assert "after the warehouse's next refresh" in notice

    paths = Paths(built_demo_copy)
    (change,) = ConfigStore.at(paths).changes()
    assert (change.actor, change.table, change.before) == ("board_member.emsou", "recommendation_status", None)
    assert change.after["status"] == "in_progress" and change.after["evidence_link"].endswith("/emsou/r3")
    assert [r.target for r in AuditLog.at(paths).records() if r.action == "recommendation_update"] == ["R3: EMSOU"]
    assert digest() == before


def test_the_form_is_not_offered_and_not_honoured_without_the_permission(built_demo_copy):
    other = run("governance", as_role="board_member", as_unit="EMSOU", unit="NWROCU")
    assert not [s for s in other.selectbox if s.key == "w_target"]  # another unit: no form
    approver = run("governance", as_role="unit_approver", as_unit="EMSOU")
    assert any("does not allow you to" in e.value for e in approver.error)

    # The form as drawn for a board member, submitted after an administrator moved the account to
    # another unit: the server checks again and records nothing.
    at = run("governance", as_role="board_member", as_unit="EMSOU", unit="EMSOU")
    at.selectbox(key="w_status").set_value("met")
    store = UserStore.at(Paths(built_demo_copy))
    store.set_role("board_member.emsou", "board_member", "NWROCU", actor="admin.network")
    next(b for b in at.button if b.label == "Record the status").click().run()
    assert not at.success
    assert ConfigStore.at(Paths(built_demo_copy)).changes() == []


def test_an_analyst_records_the_networks_status_of_a_network_recommendation(built_demo_copy):
    at = run("governance", as_role="nocc_analyst", unit="EMSOU")
    at.selectbox(key="w_target").set_value("NETWORK").run()
    assert at.selectbox(key="w_item").options == ["R1: NCA tasking of ROCUs", "R2: Exchanging sensitive intelligence",
                                                  "R6: A national co-ordinating function", "R7: Sustainable funding"]
    at.selectbox(key="w_item").set_value("R7")
    at.selectbox(key="w_status").set_value("in_progress")
    next(b for b in at.button if b.label == "Record the status").click().run()
    assert not at.error
    (change,) = ConfigStore.at(Paths(built_demo_copy)).changes()
    assert change.after["rocu_code"] == "NETWORK" and change.before["status"] == "not_started"


def test_an_update_reaches_the_tracker_mart_on_the_next_refresh(tmp_path, monkeypatch):
    """The page says an update shows after the warehouse's next refresh: the refresh job reloads the store's
    tracker table and rebuilds the tracker mart from it."""
    from dagster import AssetKey

    from pipelines.orchestration.definitions import build_definitions, refresh_returns

    monkeypatch.setenv("ROCU_WAREHOUSE_PATH", str(Paths(tmp_path).warehouse))  # build_definitions sets it
    selected = refresh_returns.selection.resolve(build_definitions(Paths(tmp_path)).resolve_asset_graph())
    assert {AssetKey(["raw", "config_recommendation_status"]),
            AssetKey(["staging", "stg_config__recommendation_status"]),
            AssetKey(["marts", "fct_recommendation_tracker"])} <= selected


def test_a_units_board_paper_lists_its_tracker_rows_as_the_mart_has_them(built_demo):
    from pipelines.papers import Request, make_report

    published = Paths(built_demo).published
    paper = make_report(Request("SEROCU", "2026-Q2"), published)
    (section,) = [s for s in paper.sections if s.key == "recommendations"]
    assert not section.findings  # a recorded status is not a measure of the quarter: nothing in the scorecard
    (shown,) = [t.shown for t in section.tables]
    expected = sql(built_demo, "select n.item_ref, n.status_name, u.status_name, u.is_recorded"
                               " from marts.fct_recommendation_tracker n left join marts.fct_recommendation_tracker u"
                               " on u.item_ref = n.item_ref and u.rocu_code = 'SEROCU'"
                               " where n.rocu_code = 'NETWORK' order by n.item_order")
    assert shown["Ref"].tolist() == [ref for ref, *_ in expected]
    assert shown["SEROCU"].tolist() == [
        "tracked for the network" if own is None else own if recorded else f"{own} (nothing recorded)"
        for _, _, own, recorded in expected]
    assert [s.split(" (")[0] for s in shown["The network"]] == [network for _, network, *_ in expected]
    network_paper = make_report(Request("NETWORK", "2026-Q2"), published)
    (table,) = [t for s in network_paper.sections if s.key == "recommendations" for t in s.tables]
    assert len(table.shown) == len(expected) and "Rank" not in table.shown.columns


def test_the_page_explains_itself_when_no_warehouse_exists(tmp_path, monkeypatch):
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    at = run("governance", as_role="board_member", as_unit="EMSOU")
    assert "has not been built yet" in " ".join(i.value for i in at.info)
    assert not at.table


def test_governance_as_at_a_day_in_the_link_shows_the_version_in_force_then(var):
    """ROCUWM's chief officer was dual-hatted until 30 September 2023 (the demo's first version)."""
    at = run("governance", unit="ROCUWM", as_at="2023-06-30")
    ((post, dual),) = sql(var, "select chief_officer_post, dual_hatted from marts.fct_unit_governance"
                               " where rocu_code = 'ROCUWM' and effective_to = date '2023-09-30'")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Chief officer post"] == post and dual
    assert table(at, "In force on the day")["In force on the day"].tolist() == ["yes", ""]
    later = run("governance", unit="ROCUWM", as_at="2024-06-30")
    assert table(later, "In force on the day")["In force on the day"].tolist() == ["", "yes"]
    wrong = run("governance", unit="ROCUWM", as_at="30/06/2023")
    assert any("not a date written as 2024-06-30" in i.value for i in wrong.info)
