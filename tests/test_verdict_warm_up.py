"""Issue 16 item 4: importing Great Expectations is most of a cold verdict, so the command line and
the Upload page start it in the background before the file is read (expectations.warm_up), and a
check arriving first waits for the same suite instead of building a second one. Nothing is timed."""

from __future__ import annotations

import subprocess
import sys

import pytest
import streamlit as st

from pipelines.cli import main as rocu
from pipelines.intake.check import expectations
from pipelines.settings import Paths
from tests.conftest import make_session
from tests.test_upload_workflow import PERIOD, upload_page

WARM_UP_IN_A_NEW_PROCESS = """
import sys
from pipelines.intake.api import warm_up_checks
from pipelines.intake.check import expectations

assert "great_expectations" not in sys.modules  # importing the intake does not import GX
thread = warm_up_checks()
assert warm_up_checks() is thread  # once per process
thread.join(600)
assert not thread.is_alive()
assert "great_expectations" in sys.modules
assert expectations._build_validator.cache_info().currsize == len(expectations.WARMED_SUITES)
assert expectations.validate("return_values", __import__("polars").DataFrame()) == []
expectations._validator("return_values")  # a check after the warm-up reuses the suite it built
assert expectations._build_validator.cache_info().misses == len(expectations.WARMED_SUITES)
print("warmed")
"""


def test_warm_up_imports_great_expectations_and_builds_each_suite_once_in_a_new_process():
    done = subprocess.run([sys.executable, "-c", WARM_UP_IN_A_NEW_PROCESS], capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "warmed"


@pytest.fixture
def fresh_caches():
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def test_the_upload_page_starts_the_warm_up_before_any_file_is_chosen(tmp_path, monkeypatch, fresh_caches):
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    monkeypatch.setattr(expectations, "_warming", {})  # as in a new server process
    at = upload_page("unit_submitter", "NEROCU", PERIOD)
    assert not at.file_uploader[0].value  # nothing uploaded yet
    assert list(expectations._warming) == [expectations.WARMED_SUITES]


def test_rocu_submit_starts_the_warm_up_before_it_signs_in(tmp_path, monkeypatch):
    """The import overlaps the password check and the file's read: it starts first, even when the
    sign-in then fails."""
    monkeypatch.setenv("ROCU_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("WRONG_PASSWORD", "not-the-password")
    monkeypatch.setattr(expectations, "_warming", {})
    make_session(Paths(tmp_path).var, "unit_submitter", "NEROCU")
    offered = tmp_path / "return.csv"
    offered.write_text("Period,Force,Measure,Value\n")
    code = rocu(["submit", str(offered), "--unit", "NEROCU", "--period", PERIOD, "--user", "unit_submitter.nerocu",
                 "--password-env", "WRONG_PASSWORD", "--dry-run"])
    assert code == 3  # not signed in
    assert list(expectations._warming) == [expectations.WARMED_SUITES]
