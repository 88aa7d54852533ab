"""Issue 14 item 6: no role meets a dead end.

Every link a page draws for a person must open for that person: each role opens every page its
menu offers (every section of it), every link drawn is followed as that role (the target page run with the link's
own parameters), and none may be refused. A unit's board member sees their own unit's regional
page and submissions, and not another unit's.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from dashboards.auth import PAGE_PERMISSIONS, may_open
from tests.conftest import make_session
from tests.test_access_matrix import refused, run, var  # noqa: F401 (var: the autouse fixture)
from tests.test_dashboard_apptest import open_section, sections

VIEWS = Path(__file__).resolve().parents[1] / "dashboards" / "views"
ROLES = [("unit_submitter", "EMSOU"), ("unit_approver", "EMSOU"), ("nocc_analyst", None),
         ("board_member", "EMSOU"), ("board_member", None), ("admin", None)]
# A page run on its own (no navigation) draws st.page_link as a markdown link: [label](page?query)
LINK = re.compile(r"\]\((\w+)\?([^)\s]*)\)")


def links(at: AppTest) -> list[tuple[str, dict]]:
    """(target page, its query parameters) of every link the page drew."""
    found = []
    for element in at.markdown:
        found += [(page, dict(parse_qsl(query))) for page, query in LINK.findall(element.value.replace("\\", ""))]
    return found


@pytest.mark.parametrize("role,unit", ROLES, ids=lambda v: str(v))
def test_every_link_a_role_is_shown_is_one_it_may_follow(role, unit, var):
    session = make_session(var, role, unit)
    followed, dead_ends = set(), []
    for page in sorted(PAGE_PERMISSIONS):
        if not may_open(session, page):
            continue
        at = run(page, session)
        drawn = links(at) + [link for section in sections(at) for link in links(open_section(at, section))]
        for target, params in drawn:
            key = (target, params.get("unit"))
            if key in followed:
                continue
            followed.add(key)
            if target not in PAGE_PERMISSIONS or refused(run(target, session, **params)):
                dead_ends.append(f"{page} -> {target}?{params}")
    assert not dead_ends, f"{role} ({unit}) is shown links it may not follow: {dead_ends}"


@pytest.mark.parametrize("page", ["regional", "submissions"])
def test_a_units_board_member_sees_their_own_units_page_and_not_anothers(page, var):
    board = make_session(var, "board_member", "EMSOU")
    assert may_open(board, page)  # in the menu
    own = run(page, board, unit="EMSOU")
    assert not refused(own) and own.title, [e.value for e in own.error]
    other = run(page, board, unit="NEROCU")
    assert refused(other)
    network_board = make_session(var, "board_member", None)  # the network's board has no unit's page
    assert not may_open(network_board, page)
