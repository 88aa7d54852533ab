"""Shared fixtures. Every test run works in its own temporary var/ folder, never the
project's, and the same real stack (DuckDB, dbt, Dagster, GX, Streamlit) runs as in use.

The built warehouse is shared: `built_demo` builds the whole product once per session and no
test may change it (checked after every test that uses it); a test that submits, rebuilds or
republishes takes `built_demo_copy`, a var folder of its own copied from the shared build.
Every test that needs either is marked `slow` here, at collection."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# Before any project import: Paths.from_env() and dbt's profile read these. Processes the tests
# spawn import this module too: they keep the session's folder and the variables they were given.
# Under pytest-xdist (`make test` runs two workers) the controller makes the session's folder and
# each worker works in a folder of its own inside it; only the built demo is shared (below).
_OWNS_SESSION_VAR = "ROCU_TEST_SESSION_VAR" not in os.environ
if _OWNS_SESSION_VAR:
    os.environ["ROCU_TEST_SESSION_VAR"] = tempfile.mkdtemp(prefix="rocu-test-var-")
_SESSION_ROOT = Path(os.environ["ROCU_TEST_SESSION_VAR"])
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_SESSION_VAR = _SESSION_ROOT / _WORKER if _WORKER else _SESSION_ROOT
if _OWNS_SESSION_VAR or (_WORKER and os.environ.get("ROCU_TEST_WORKER") != _WORKER):
    os.environ["ROCU_TEST_WORKER"] = _WORKER  # a worker's own children keep what their test set
    os.environ["ROCU_VAR_DIR"] = str(_SESSION_VAR)
    os.environ["ROCU_WAREHOUSE_PATH"] = str(_SESSION_VAR / "warehouse" / "rocu.duckdb")
    os.environ["DAGSTER_HOME"] = str(_SESSION_VAR / "dagster_home")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    (_SESSION_VAR / "dagster_home").mkdir(parents=True, exist_ok=True)

# argon2's cheapest parameters: the suite hashes and checks about 200 passwords, 0.17 CPU-s each
# with the product's (pipelines/access/passwords.py; tests/test_access.py checks the default).
os.environ.setdefault("ROCU_PASSWORD_HASHING", "CHEAPEST")

# built_demo_copy's folder: one per worker, beside the session's folder (never inside the build it copies).
_COPIES = _SESSION_ROOT.with_name(f"{_SESSION_ROOT.name}-copies") / (_WORKER or "main")

ROOT = Path(__file__).resolve().parents[1]
_REAL_MAIN = sys.modules["__main__"]


def pytest_sessionstart(session: pytest.Session) -> None:
    """`make test` makes the dbt manifest first; a bare `pytest` makes it here, once, when it is
    missing or older than the dbt project (test modules import the definitions, which only read it)."""
    from pipelines.orchestration.manifest import is_stale, prepare_manifest
    from pipelines.settings import Paths

    if is_stale():
        prepare_manifest(Paths(_SESSION_VAR).warehouse)
    _share_component_scan()


def _share_component_scan() -> None:
    """Each new Streamlit AppTest scans the metadata of every installed package for Streamlit
    components before its first run: about 0.12 s, two-thirds of a page run here, paid by some
    thousand page runs a session. The installed packages do not change during a session, so every
    AppTest is given the first scan's registry (what a server does once at start-up)."""
    from functools import cache

    from streamlit.components.v2.component_manager import BidiComponentManager
    from streamlit.testing.v1 import AppTest

    @cache
    def scanned() -> BidiComponentManager:
        manager = BidiComponentManager()
        manager.discover_and_register_components(start_file_watching=False)
        return manager

    original_init = AppTest.__init__

    def init(self, *args, **kwargs) -> None:
        original_init(self, *args, **kwargs)
        self._bidi_component_manager = scanned()

    AppTest.__init__ = init


@pytest.fixture(autouse=True)
def restore_main_module():
    """Streamlit's AppTest runs a page as `__main__` and leaves it there; a process started with
    `spawn` afterwards would re-run that page on start-up and die. Put pytest's own back."""
    yield
    sys.modules["__main__"] = _REAL_MAIN
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def session_var() -> Path:
    return _SESSION_VAR


def pytest_unconfigure(config: pytest.Config) -> None:
    """Delete the session's var folder once everything is torn down (ROCU_KEEP_TEST_VAR=1 keeps it)."""
    if _OWNS_SESSION_VAR and not os.environ.get("ROCU_KEEP_TEST_VAR"):
        shutil.rmtree(_SESSION_ROOT, ignore_errors=True)
        shutil.rmtree(_COPIES.parent, ignore_errors=True)


BUILDS_A_WAREHOUSE = {"built_demo", "built_demo_copy", "small_bases_var"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that needs the shared built warehouse is `slow`, however it reaches the fixture.

    Under pytest-xdist the order decides who waits: worksteal first hands each worker a contiguous
    part of it. The tests that need the build start the last part, so that worker begins building
    at once while the others run tests that need none (when these run out first, a worker steals
    from the end of a queue, where the rest of them are)."""
    needs_build = [item for item in items if BUILDS_A_WAREHOUSE & set(getattr(item, "fixturenames", ()))]
    for item in needs_build:
        item.add_marker(pytest.mark.slow)
    chosen = set(map(id, needs_build))
    others = [item for item in items if id(item) not in chosen]
    at = min(len(others), _start_of_last_part(len(items), int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))))
    items[:] = others[:at] + needs_build + others[at:]


def _start_of_last_part(count: int, workers: int) -> int:
    """Where the last worker's first share of `count` tests begins (xdist's worksteal: each idle
    worker in turn gets the pending tests divided by the workers still to serve)."""
    start = 0
    for served in range(workers - 1):
        start += (count - start) // (workers - served)
    return start


def run_dbt(args: list[str], warehouse: Path, target: Path, dbt_vars: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real dbt CLI against a given DuckDB file (and any other `dbt_vars`), as Dagster's runs
    do: no file log, starting from the project's parse made for that warehouse (with no other vars).
    Its artifacts go to `target`, never into the project: a test on the other worker checks that
    nothing writes there."""
    import json

    from pipelines.orchestration.dbt_cli import PARTIAL_PARSE, dbt_global_flags, parse_for_warehouse
    from pipelines.orchestration.manifest import TARGET_DIR, warehouse_vars

    cli_vars = {**warehouse_vars(warehouse), **(dbt_vars or {})}
    if not dbt_vars:
        parse_for_warehouse(TARGET_DIR / PARTIAL_PARSE, target, warehouse, ROOT / "dbt_project")
    return subprocess.run(
        [str(BIN / "dbt"), *dbt_global_flags(), *args, "--vars", json.dumps(cli_vars), "--project-dir",
         str(ROOT / "dbt_project"), "--profiles-dir", str(ROOT / "dbt_project"), "--target-path", str(target),
         "--log-path", str(target)],
        capture_output=True, text=True, timeout=600,
    )


def _var_copy_ignore():
    """What a copy of a var folder leaves out: per-run folders, and the publish's spare slot files (the
    published file alone is the copy pages read; a publish into the copy starts its own slots)."""
    from pipelines.serving.publish import SLOT_FILES

    return shutil.ignore_patterns("dagster_home", "dbt_runs", "dbt_parse", SLOT_FILES)


@pytest.fixture(scope="session")
def built_demo(session_var: Path) -> Path:
    """The whole product built once per session from demo data: generate, submit, Dagster job.

    Returns the var folder; the published warehouse is at var/published/rocu.duckdb. Under
    pytest-xdist the first worker to need it builds it in its own folder and leaves a copy in
    the session's folder; every other worker waits for that and copies it into its own.
    """
    if not _WORKER:
        return _build_demo(session_var)
    from filelock import FileLock

    shared = _SESSION_ROOT / "built-demo"
    with FileLock(_SESSION_ROOT / "built-demo.lock"):
        if (shared / ".complete").exists():
            shutil.copytree(shared, session_var, dirs_exist_ok=True)
            return session_var
        _build_demo(session_var)
        shutil.copytree(session_var, shared, ignore=_var_copy_ignore())
        (shared / ".complete").touch()
    return session_var


def _build_demo(var: Path) -> Path:
    from dagster import DagsterInstance

    from pipelines.cli import main as rocu
    from pipelines.orchestration.definitions import build_definitions
    from pipelines.settings import Paths

    assert rocu(["demo", "generate"]) == 0
    assert rocu(["demo", "load"]) == 0
    defs = build_definitions(Paths(var))
    job = defs.resolve_job_def("build_warehouse")
    result = job.execute_in_process(instance=DagsterInstance.ephemeral())
    assert result.success
    return var


def _warehouse_files(var: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of the build and published DuckDB files (a cheap fingerprint)."""
    from pipelines.settings import Paths

    paths = Paths(var)
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in (paths.warehouse, paths.published)}


@pytest.fixture(autouse=True)
def shared_build_unchanged(request: pytest.FixtureRequest):
    """The shared build is read only: a test that changed it would change what later tests see."""
    if "built_demo" not in request.fixturenames:
        yield
        return
    var = request.getfixturevalue("built_demo")
    before = _warehouse_files(var)
    yield
    assert _warehouse_files(var) == before, (
        f"{request.node.nodeid} changed the shared build in {var}: use built_demo_copy to change a build")


@pytest.fixture
def built_demo_copy(built_demo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A var folder of this test's own, copied from the shared build (about 40 MB, under a second),
    for a test that submits, rebuilds or republishes. The project's variables point at it.

    The per-run dbt folders and the Dagster home do not come along (the manifest is the
    project's own, made once by `make manifest`). The copy is made afresh at one place per
    worker (a worker runs one test at a time) and keeps the dbt parse the last test's runs left
    there (dbt reuses a parse made for the same warehouse path)."""
    var, kept_parse = _COPIES / "var", _COPIES / "dbt-parse"
    if (var / "dbt_parse").is_dir():
        shutil.rmtree(kept_parse, ignore_errors=True)
        (var / "dbt_parse").rename(kept_parse)
    shutil.rmtree(var, ignore_errors=True)
    shutil.copytree(built_demo, var, ignore=_var_copy_ignore())
    if kept_parse.is_dir():
        kept_parse.rename(var / "dbt_parse")
    (var / "dagster_home").mkdir()
    monkeypatch.setenv("ROCU_VAR_DIR", str(var))
    monkeypatch.setenv("ROCU_WAREHOUSE_PATH", str(var / "warehouse" / "rocu.duckdb"))
    monkeypatch.setenv("DAGSTER_HOME", str(var / "dagster_home"))
    return var


@pytest.fixture(scope="session")
def small_bases_var(built_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shared build in which some units are on small bases, published.

    At the network's thresholds the calibrated demo (docs/demo-calibration.md) puts no unit on too
    few high-band groups in a year, nor a region on too few disruptions in a month, yet the pages and
    papers must still mark such a base and never compare it. Here dbt rebuilds the marts that apply
    the two thresholds with each raised, from the build's own figures, until some units fall under
    it: ``threat_small_base_groups`` to just above the median unit's high-band groups in the newest
    whole year, ``share_small_base`` to just above the smallest monthly lead base. The thresholds
    used are in ``small_bases.json`` in the folder. Under pytest-xdist the first worker to need it
    makes it in the session's folder and the others read that one (no test writes to it)."""
    if not _WORKER:
        return _make_small_bases(built_demo, tmp_path_factory.mktemp("small-bases") / "var")
    from filelock import FileLock

    var = _SESSION_ROOT / "small-bases"
    with FileLock(_SESSION_ROOT / "small-bases.lock"):
        if not (var / "small_bases.json").exists():
            _make_small_bases(built_demo, var)
    return var


def _make_small_bases(built_demo: Path, var: Path) -> Path:
    import json

    import duckdb

    from pipelines.access import AuditLog
    from pipelines.serving.publish import publish_copy
    from pipelines.settings import Paths

    shutil.copytree(built_demo, var, ignore=_var_copy_ignore())
    paths = Paths(var)
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        groups = sorted(g for (g,) in con.execute(
            "select high_band_ocgs from marts.fct_effort_alignment_index where financial_year ="
            " (select max(financial_year) from marts.fct_effort_alignment_index where not is_part_year)").fetchall())
        (smallest,) = con.execute("select min(lead_base) from marts.fct_disruptions_lead_share"
                                  " where period_type = 'month'").fetchone()
    thresholds = {"threat_small_base_groups": groups[len(groups) // 2] + 1, "share_small_base": smallest + 1}
    # Unit tests are left out: theirs are written for the thresholds the product sets.
    built = run_dbt(["build", "--select", "fct_disruptions_lead_share+", "fct_effort_alignment_index+", "--exclude", "test_type:unit"],
                    paths.warehouse, var / "dbt-target", dbt_vars=thresholds)
    assert built.returncode == 0, built.stdout[-3000:]
    publish_copy(paths.warehouse, paths.published, AuditLog.at(paths))
    (var / "small_bases.json").write_text(json.dumps(thresholds))  # written last: the folder is complete
    return var


def generate_demo(out: Path, months: int, end_month: str = "2025-09") -> Path:
    """A small demo set (each unit's returns in its own layout, extracts, truth) for tests that need real files."""
    from pipelines.demo.generate import main as generate

    generate(["--out", str(out), "--months", str(months), "--end-month", end_month, "--quiet"])
    return out


def demo_file(demo: Path, unit: str, month: str = "2025-09") -> Path:
    """The unit's demo return for one month."""
    return next((demo / "returns" / unit).glob(f"*{month}*"))


PASSWORD = "correct horse battery staple"


def make_session(var: Path, role: str, unit: str | None = None):
    """A signed-in session for a test account (created in var's account store on first use)."""
    from pipelines.access import Session, UserStore, authenticate
    from pipelines.settings import Paths

    store = UserStore.at(Paths(var))
    name = f"{role}.{(unit or 'network').lower()}"
    if store.get(name) is None:
        store.add(name, PASSWORD, role, unit, actor="tests")
    session = authenticate(name, PASSWORD, store=store)
    assert isinstance(session, Session), session
    return session


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
