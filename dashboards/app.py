"""The ROCU performance dashboards: one multipage Streamlit app.

Only signed-in people see pages, and only the pages their role allows; each page checks
again on the server before it draws (dashboards/auth.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script by `streamlit run`

from dashboards.auth import current_session, may_open, note_run, sign_in_page, sign_out  # noqa: E402
from dashboards.data import BUILD_WATCH_SECONDS, current_build, moved_to_build  # noqa: E402
from pipelines.serving.build_info import BuildInfo  # noqa: E402

st.set_page_config(page_title="ROCU performance", layout="wide")

# (section, title, url path); who may open each is in dashboards/auth.py PAGE_PERMISSIONS
PAGES = [
    ("Performance", "National overview", "national"),
    ("Performance", "Regional comparison", "regional"),
    ("Performance", "Disruptions and threat", "threat"),
    ("Performance", "Does effort follow the threat?", "alignment"),
    ("Performance", "Governance and recommendations", "governance"),
    ("Performance", "Drill-through", "drill"),
    ("Returns", "Submissions", "submissions"),
    ("Returns", "Upload a return", "upload"),
    ("Returns", "Reconciliation", "reconciliation"),
    ("Reference", "Framework catalogue", "catalogue"),
    ("Reference", "Board reports", "reports"),
    ("Administration", "Audit trail", "audit"),
    ("Administration", "Mappings, windows and accounts", "admin"),
]


def published(build: BuildInfo) -> str:
    return build.published_at[:19].replace("T", " ")


@st.fragment(run_every=BUILD_WATCH_SECONDS)
def build_shown() -> None:
    """The build the page shows, looked at again every BUILD_WATCH_SECONDS: a page that finds a newer
    one reruns whole on it (dashboards/data.py), so an open page shows a new build without a click.
    A look that finds none costs a file stat and redraws only this caption."""
    build = current_build()
    st.caption(f"Data published {published(build)} UTC · build {build.build_id[:8]}"
               if build else "No warehouse published yet")


moved = moved_to_build()  # this run is the page moving to a new build by itself, not a person's doing
note_run(by_person=moved is None)
session = current_session()
if session is None:
    # Every address shows the sign-in form, so a shared link (with its filters) opens the
    # page it names once the person has signed in.
    nav = st.navigation([st.Page(sign_in_page, title="Sign in", url_path=url, default=not i)
                         for i, (_, _, url) in enumerate(PAGES)], position="hidden")
else:
    pages: dict[str, list] = {}
    for section, title, url in PAGES:
        if may_open(session, url):
            pages.setdefault(section, []).append(st.Page(f"views/{url}.py", title=title, url_path=url,
                                                         default=not pages))
    nav = st.navigation(pages)
    unit = f", {session.rocu_code}" if session.rocu_code else ""
    st.sidebar.markdown(f"Signed in as **{session.username}** ({session.role.replace('_', ' ')}{unit})")
    if st.sidebar.button("Sign out", key="sign_out"):
        sign_out()
        st.rerun()
    if moved:
        st.toast(f"Figures updated: the build published {published(moved)} UTC.")

    with st.sidebar:
        build_shown()
nav.run()
