"""Role x page matrix: every page checks the role and the unit on the server (Streamlit AppTest),
and a unit's people cannot reach another unit by changing the URL."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboards.auth import PAGE_PERMISSIONS, may_open
from tests.conftest import make_session

VIEWS = Path(__file__).resolve().parents[1] / "dashboards" / "views"
ROLES = [("unit_submitter", "EMSOU"), ("unit_approver", "EMSOU"), ("nocc_analyst", None),
         ("board_member", "EMSOU"), ("admin", None)]
# What each role may open, written out by hand from the brief (not derived from the code under test).
EXPECTED = {
    "unit_submitter": {"national", "threat", "alignment", "regional", "submissions", "upload", "reconciliation",
                       "catalogue", "reports"},
    "unit_approver": {"national", "threat", "alignment", "regional", "submissions", "upload", "reconciliation",
                      "catalogue", "reports"},
    "nocc_analyst": {"national", "threat", "alignment", "regional", "drill", "submissions", "reconciliation",
                     "catalogue", "reports", "audit", "governance"},
    "board_member": {"national", "threat", "alignment", "catalogue", "reports", "regional", "submissions",
                     "governance"},
    "admin": {"audit", "governance", "admin"},
}


@pytest.fixture(autouse=True)
def var(built_demo, monkeypatch):
    monkeypatch.setenv("ROCU_VAR_DIR", str(built_demo))
    st.cache_data.clear()
    return built_demo


def run(page: str, session, **params) -> AppTest:
    at = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=120)
    at.session_state["rocu_session"] = session
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def refused(at: AppTest) -> bool:
    return any("does not allow you to" in e.value for e in at.error)


@pytest.mark.parametrize("role,unit", ROLES)
@pytest.mark.parametrize("page", sorted(PAGE_PERMISSIONS))
def test_role_by_page(var, page, role, unit):
    session = make_session(var, role, unit)
    allowed = page in EXPECTED[role]
    assert may_open(session, page) == allowed  # the menu
    at = run(page, session)
    assert refused(at) != allowed, (page, role, [e.value for e in at.error])  # the page itself
    if not allowed:
        assert not at.title and not at.dataframe


def test_signed_out_visitor_sees_no_page(var):
    for page in PAGE_PERMISSIONS:
        at = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=60)
        at.run()
        assert any("sign in" in w.value.lower() for w in at.warning) and not at.title, page


@pytest.mark.parametrize("page", ["regional", "submissions"])
def test_another_unit_in_the_url_is_refused(var, page):
    session = make_session(var, "unit_submitter", "EMSOU")
    at = run(page, session, unit="NEROCU")
    assert refused(at), [e.value for e in at.error]
    own = run(page, session, unit="EMSOU")
    assert not refused(own)


def test_submitter_can_only_choose_their_own_unit_to_submit_for(var):
    session = make_session(var, "unit_submitter", "EMSOU")
    at = run("upload", session, unit="NEROCU")
    assert at.selectbox(key="w_unit").options == ["East Midlands (EMSOU)"]
    assert at.selectbox(key="w_unit").value == "EMSOU"


def test_submissions_grid_shows_only_the_own_unit(var):
    at = run("submissions", make_session(var, "unit_submitter", "TARIAN"))
    assert set(at.selectbox(key="w_unit").options) == {"Wales (TARIAN)"}


def test_a_disabled_account_loses_access_at_once(var):
    from pipelines.access import UserStore
    from pipelines.settings import Paths

    session = make_session(var, "nocc_analyst", None)
    UserStore.at(Paths(var)).set_disabled(session.username, True, actor="tests")
    try:
        at = run("national", session)
        assert not at.title and any("sign in" in w.value.lower() for w in at.warning)
    finally:
        UserStore.at(Paths(var)).set_disabled(session.username, False, actor="tests")


def test_with_an_identity_provider_configured_sign_in_goes_through_it(var):
    """With [auth] in secrets.toml the password form gives way to the organisation's sign-in."""
    app = Path(__file__).resolve().parents[1] / "dashboards" / "app.py"
    local = AppTest.from_file(str(app), default_timeout=60)
    local.run()
    assert [t.label for t in local.text_input] == ["Username", "Password"]
    oidc = AppTest.from_file(str(app), default_timeout=60)
    oidc.secrets["auth"] = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32,
                            "client_id": "rocu", "client_secret": "s",
                            "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
    oidc.run()
    assert not oidc.exception
    assert not oidc.text_input
    assert [b.label for b in oidc.button] == ["Sign in with your organisation's account"]
