"""Issue 14 item 6: admins have screens, not only commands.

The Admin page lists each unit's unmapped labels with a suggestion from the catalogue (by
wording) to accept, lists and adds submission windows, and manages accounts; each change goes
through the functions the command line calls (permission checked on the server), lands in the
configuration or account store and in the audit trail. Run with Streamlit's AppTest against a
var folder of the test's own, with a real NEROCU demo return checked by the real intake.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from pipelines import reference
from pipelines.access import AuditLog, PermissionDenied, UserStore
from pipelines.access import accounts
from pipelines.config_store import ConfigStore
from pipelines.configure import change_mapping, change_window
from pipelines.intake.api import LandingZone, check_return, submit_return, unmapped_labels
from pipelines.mapping_suggestions import rank
from pipelines.settings import Paths
from tests.conftest import PASSWORD, demo_file, generate_demo, make_session

VIEWS = Path(__file__).resolve().parents[1] / "dashboards" / "views"
UNIT, MONTH = "NEROCU", "2025-09"
NEW_LABELS = "2025-09,Regional,Fraud victims helped,6\n2025-09,Regional,Dogs trained,4\n"


# --- the ranking, on hand-made labels ---------------------------------------------------

WORDINGS = {
    "ARRESTS": ("Arrests", ["Arrests made", "Persons arrested"]),
    "CHARGES": ("People charged", ["Charged"]),
    "CASH": ("Cash seized", ["Cash seized (£k)"]),
    "DRUGS": ("Class A drugs seized", []),
    "EVENTS": ("Cyber protect events", []),
}


def ids(label: str, n: int = 3) -> list[str]:
    return [s.metric_id for s in rank(label, WORDINGS, n)]


def test_the_closest_wording_ranks_first_typos_order_and_case_aside():
    assert ids("Arests made")[0] == "ARRESTS"  # a typo
    assert ids("PEOPLE CHARGED IN MONTH")[0] == "CHARGES"  # case, extra words
    assert ids("Seized cash")[0] == "CASH"  # word order
    assert ids("Number of cyber protect events held")[0] == "EVENTS"  # extra words
    best = rank("Persons arrested in month", WORDINGS, 1)[0]
    assert best.because_of == "Persons arrested"  # another unit's label is a wording of the metric too


def test_nothing_is_suggested_for_a_label_like_no_metric_and_ties_are_stable():
    assert ids("Community engagement") == []
    assert ids("Class A cash seized") == ids("Class A cash seized")  # deterministic
    assert len(ids("seized", n=5)) <= 5


# --- the page -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def submitted(tmp_path_factory) -> Path:
    """A deployment in which NEROCU sent a return with two labels its map lacks (checked once)."""
    folder = tmp_path_factory.mktemp("submitted")
    demo = generate_demo(tmp_path_factory.mktemp("demo"), 1)
    content = demo_file(demo, UNIT, MONTH).read_text().rstrip("\n") + "\n" + NEW_LABELS
    submit_return(LandingZone(Paths(folder).landing), content.encode(), original_name="NEROCU_return_2025-09.csv",
                  rocu_code=UNIT, period=MONTH, submitted_by="lead.nerocu", today=date(2025, 10, 3))
    return folder


@pytest.fixture
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, submitted: Path) -> Path:
    """A copy of that deployment for this test alone (the project's variables point at it)."""
    var = tmp_path / "var"
    shutil.copytree(submitted, var)
    monkeypatch.setenv("ROCU_VAR_DIR", str(var))
    reference.reload()
    yield var
    reference.reload()


def open_page(var: Path, role: str = "admin", unit: str | None = None) -> AppTest:
    at = AppTest.from_file(str(VIEWS / "admin.py"), default_timeout=60)
    at.session_state["rocu_session"] = make_session(var, role, unit)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def audited(var: Path, action: str) -> list:
    return [r for r in AuditLog.at(Paths(var)).records() if r.action == action]


def test_admin_accepts_a_suggested_metric_and_the_mapping_takes_effect(var: Path):
    at = open_page(var)
    shown = texts(at.markdown)
    assert "NEROCU: 'Fraud victims helped'" in shown and "NEROCU: 'Dogs trained'" in shown
    assert "Fraud victims supported (PRO_FRAUD_VICTIMS_SUPPORTED)" in shown  # the suggestion, no score

    at.button(key="accept:NEROCU:Fraud victims helped").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "'Fraud victims helped' now maps to Fraud victims supported" in texts(at.success)

    (change,) = ConfigStore.at(Paths(var)).changes()  # the configuration store, with who and what
    assert change.table == "label_map" and change.actor == "admin.network" and change.before is None
    assert change.after["local_label"] == "Fraud victims helped"
    assert change.after["metric_id"] == "PRO_FRAUD_VICTIMS_SUPPORTED"
    (record,) = audited(var, "mapping_change")  # and the audit trail
    assert record.actor == "admin.network" and record.target == "NEROCU: Fraud victims helped"
    assert record.detail["config_change"] == change.seq

    # Effective: the label map has it, the page lists it no more, and the intake now reads the label.
    rows = reference.label_map().filter(reference.label_map()["rocu_code"] == UNIT)
    assert "Fraud victims helped" in rows["local_label"].to_list()
    assert "'Fraud victims helped'" not in texts(at.markdown)
    still = [u.local_label for u in unmapped_labels(LandingZone(Paths(var).landing))]
    assert "Dogs trained" in still and "Fraud victims helped" not in still  # (the demo file has one more)
    content = LandingZone(Paths(var).landing).registry.submissions()[0]
    again = check_return(LandingZone(Paths(var).landing),
                         (LandingZone(Paths(var).landing).files / content.stored_path).read_bytes(),
                         original_name=content.original_name, rocu_code=UNIT, period=MONTH, checked_by="tests",
                         today=date(2025, 10, 3))
    unread = [p.value for p in again.problems if p.rule == "unmapped_label"]
    assert "Dogs trained" in unread and "Fraud victims helped" not in unread


def test_admin_chooses_another_metric_than_the_one_suggested(var: Path):
    at = open_page(var)
    at.selectbox(key="metric:NEROCU:Dogs trained").set_value("PRP_STAFF_TRAINED")
    at.number_input(key="mult:NEROCU:Dogs trained").set_value(1.0)
    at.button(key="choose:NEROCU:Dogs trained").click().run()
    assert "'Dogs trained' now maps to Staff trained" in texts(at.success), texts(at.error)
    (change,) = ConfigStore.at(Paths(var)).changes()
    assert change.after["metric_id"] == "PRP_STAFF_TRAINED"


def test_admin_adds_a_window_rule_and_manages_an_account(var: Path):
    at = open_page(var)
    at.date_input(key="window_from").set_value(date(2027, 4, 1))
    at.number_input(key="window_day").set_value(12)
    at.text_input(key="window_description").input("longer window from April")
    at.button(key="window_add").click().run()
    assert "From 2027-04-01 returns are due by working day 12" in texts(at.success), texts(at.error)
    assert reference.submission_windows()["effective_from"].to_list()[-1] == "2027-04-01"

    at.text_input(key="add_name").input("lead.emsou2")
    at.selectbox(key="add_role").set_value("unit_submitter")
    at.selectbox(key="add_unit").set_value("EMSOU")
    at.text_input(key="add_password").input(PASSWORD)
    at.button(key="add_account").click().run()
    assert "Added lead.emsou2: a unit submitter for EMSOU." in texts(at.success), texts(at.error)

    at.selectbox(key="change_name").set_value("lead.emsou2").run()
    at.selectbox(key="change_role:lead.emsou2").set_value("unit_approver")
    at.button(key="change_save").click().run()
    assert "lead.emsou2 is now a unit approver for EMSOU." in texts(at.success), texts(at.error)
    at.selectbox(key="change_name").set_value("lead.emsou2").run()
    at.button(key="change_disable").click().run()
    user = UserStore.at(Paths(var)).get("lead.emsou2")
    assert user.role == "unit_approver" and user.disabled
    changes = [r.detail["change"] for r in audited(var, "user_change") if r.target == "lead.emsou2"]
    assert changes == ["add", "role", "disable"]
    assert {r.actor for r in audited(var, "user_change") if r.target == "lead.emsou2"} == {"admin.network"}
    assert [r.target for r in audited(var, "window_change")] == ["from 2027-04-01"]


def test_admin_unlocks_an_account_and_sets_a_new_password_no_one_sees_again(var: Path):
    """The page's unlock and new password go through accounts.unlock / set_password (manage_users,
    checked on the server, audited) and the password is never shown back."""
    from datetime import UTC, datetime

    from pipelines.access.sessions import Session, authenticate

    store = UserStore.at(Paths(var))
    accounts.add_account(store, make_session(var, "admin"), "lead.tarian", PASSWORD, "unit_submitter", "TARIAN")
    for _ in range(store.policy.max_failed_attempts):
        store.note_failure("lead.tarian", datetime.now(UTC))
    assert store.get("lead.tarian").is_locked()

    at = open_page(var)
    at.selectbox(key="change_name").set_value("lead.tarian").run()
    at.button(key="change_unlock").click().run()
    assert "lead.tarian is unlocked and may sign in again." in texts(at.success), texts(at.error)
    assert not store.get("lead.tarian").is_locked()

    fresh = "a whole new passphrase for tarian"
    at.selectbox(key="change_name").set_value("lead.tarian").run()
    at.text_input(key="change_password:lead.tarian").input("short")
    at.button(key="change_set_password").click().run()
    assert texts(at.error), "a weak password is refused with the store's reason"
    at.text_input(key="change_password:lead.tarian").input(fresh)
    at.button(key="change_set_password").click().run()
    assert "lead.tarian has a new password" in texts(at.success), texts(at.error)
    assert at.text_input(key="change_password:lead.tarian").value == ""  # the field is emptied
    assert fresh not in texts(at.success) + texts(at.markdown) + texts(at.error)
    assert isinstance(authenticate("lead.tarian", fresh, store=store), Session)
    changes = [(r.actor, r.detail["change"]) for r in audited(var, "user_change") if r.target == "lead.tarian"]
    assert changes == [("admin.network", "add"), ("admin.network", "unlock"), ("admin.network", "password")]
    assert all(fresh not in str(r.detail) for r in AuditLog.at(Paths(var)).records())


def test_a_refused_change_says_why_and_writes_nothing(var: Path):
    at = open_page(var)
    at.text_input(key="add_name").input("x")  # too short a name
    at.text_input(key="add_password").input(PASSWORD)
    at.button(key="add_account").click().run()
    assert "A username is 2 to 64 letters" in texts(at.error)
    assert not audited(var, "user_change") or all(r.target != "x" for r in audited(var, "user_change"))


def test_an_admin_cannot_disable_or_demote_themselves(var: Path):
    admin = make_session(var, "admin")
    store = UserStore.at(Paths(var))
    with pytest.raises(ValueError, match="your own account"):
        accounts.set_disabled(store, admin, admin.username, True)
    with pytest.raises(ValueError, match="your own role"):
        accounts.change_role(store, admin, admin.username, "nocc_analyst")
    assert store.get(admin.username).role == "admin" and not store.get(admin.username).disabled


@pytest.mark.parametrize("role,unit", [("nocc_analyst", None), ("unit_submitter", "NEROCU"),
                                       ("unit_approver", "NEROCU"), ("board_member", "NEROCU")])
def test_no_one_else_sees_the_page_or_can_make_its_changes(var: Path, role: str, unit: str | None):
    at = open_page(var, role, unit)
    assert any("does not allow you to" in e.value for e in at.error)
    assert not at.title and not at.button and not at.dataframe

    session = make_session(var, role, unit)  # the server-side functions refuse them too
    store = UserStore.at(Paths(var))
    attempts = [lambda: change_mapping(session, UNIT, "Dogs trained", "PRP_STAFF_TRAINED"),
                lambda: change_window(session, date(2027, 4, 1), 12),
                lambda: accounts.add_account(store, session, "sneaky", PASSWORD, "admin"),
                lambda: accounts.change_role(store, session, session.username, "admin"),
                lambda: accounts.set_disabled(store, session, "admin.network", True)]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert ConfigStore.at(Paths(var)).changes() == []
    assert store.get("sneaky") is None and store.get(session.username).role == role
    assert not audited(var, "mapping_change") and not audited(var, "window_change")


def test_the_command_line_goes_through_the_same_checked_functions(var: Path, monkeypatch, capsys):
    """`rocu mapping set` by an admin lands the same change as the page; by anyone else it is refused."""
    from pipelines.cli import main as rocu

    monkeypatch.setenv("TEST_PASSWORD", PASSWORD)
    admin = make_session(var, "admin")
    assert rocu(["mapping", "set", "--unit", UNIT, "--label", "Dogs trained", "--metric", "PRP_STAFF_TRAINED",
                 "--user", admin.username, "--password-env", "TEST_PASSWORD"]) == 0
    (change,) = ConfigStore.at(Paths(var)).changes()
    assert change.actor == admin.username and change.after["metric_id"] == "PRP_STAFF_TRAINED"
    assert "'Dogs trained'" not in texts(open_page(var).markdown)
