"""The ROCU performance dashboards: one multipage Streamlit app."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script by `streamlit run`

from dashboards.data import build_stamp  # noqa: E402

st.set_page_config(page_title="ROCU performance", layout="wide")

pages = {
    "Performance": [
        st.Page("views/national.py", title="National overview", url_path="national", default=True),
        st.Page("views/regional.py", title="Regional comparison", url_path="regional"),
        st.Page("views/drill.py", title="Drill-through", url_path="drill"),
    ],
    "Returns": [
        st.Page("views/submissions.py", title="Submissions", url_path="submissions"),
        st.Page("views/upload.py", title="Upload a return", url_path="upload"),
    ],
    "Reference": [
        st.Page("views/catalogue.py", title="Framework catalogue", url_path="catalogue"),
        st.Page("views/reports.py", title="Board reports", url_path="reports"),
    ],
}
nav = st.navigation(pages)

stamp = build_stamp()
st.sidebar.caption(
    f"Data published {stamp['published_at'][:16].replace('T', ' ')} UTC" if stamp else "No warehouse published yet"
)
nav.run()
