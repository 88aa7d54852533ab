"""Every dbt unit test passes. Warehouse runs leave them out (their inputs are fixed, so new data
cannot change their result: pipelines/orchestration/assets/warehouse_models.py), so this is where
they run, against a copy of the built warehouse (a unit test reads its inputs' column types from the
relations they stand in for)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pipelines.orchestration.manifest import MANIFEST_PATH
from pipelines.settings import Paths
from tests.conftest import run_dbt


def test_every_dbt_unit_test_passes(built_demo: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse" / "rocu.duckdb"  # views name the `rocu` catalog
    warehouse.parent.mkdir()
    shutil.copyfile(Paths(built_demo).warehouse, warehouse)
    result = run_dbt(["test", "--select", "test_type:unit"], warehouse, tmp_path / "target")
    assert result.returncode == 0, result.stdout[-4000:]
    ran = [r for r in json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
           if r["unique_id"].startswith("unit_test.")]  # not the project's on-run-end hook
    declared = list(json.loads(MANIFEST_PATH.read_text())["unit_tests"])
    assert len(declared) >= 90
    assert sorted(r["unique_id"] for r in ran) == sorted(declared)
    assert {r["status"] for r in ran} == {"pass"}
