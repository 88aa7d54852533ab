"""The dbt manifest: made by an explicit build step, only ever read when the definitions load.

`make manifest` (a prerequisite of `make demo`, `make build` and `make test`) runs
`python -m pipelines.orchestration.manifest`, which runs `dbt parse` into the project's own
target folder, `dbt_project/target`. Two reasons for that fixed place: the definitions read the
asset graph from its `manifest.json` at import (parsing there took ~19 s and ran whenever a
model or seed was newer), and dagster-dbt copies its `partial_parse.msgpack` into each run's
folder, so the run's `dbt build` re-parses only what changed. dbt throws that cache away when
the `--vars` or the profile's connection differ, so the parse and the runs pass the same
`dbt_vars` for the same warehouse.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from pipelines.settings import DBT_PROJECT_DIR, SEEDS_DIR, Paths

DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))  # works without an activated venv
TARGET_DIR = DBT_PROJECT_DIR / "target"
MANIFEST_PATH = TARGET_DIR / "manifest.json"
DBT_OUTPUT = {"target", "logs"}  # folders of the project dbt writes, not reads


class ManifestMissing(RuntimeError):
    """The definitions were loaded before `make manifest` ran."""


def warehouse_vars(warehouse: Path) -> dict[str, str]:
    """The dbt vars naming the warehouse: profiles.yml reads its path from them, so no environment
    variable has to be set (and leak) for dbt to find the file."""
    return {"warehouse_path": str(warehouse)}


def dbt_vars(warehouse: Path) -> list[str]:
    """The `--vars` every dbt command gets (`warehouse_vars`)."""
    return ["--vars", json.dumps(warehouse_vars(warehouse))]


def require_manifest(path: Path = MANIFEST_PATH) -> Path:
    """The manifest's path, or a clear error saying how to make it (never a parse here)."""
    if not path.exists():
        raise ManifestMissing(f"The dbt manifest {path} does not exist. Run `make manifest` (it runs `dbt parse`) "
                              "before loading the Dagster definitions.")
    return path


def project_files(project: Path = DBT_PROJECT_DIR, seeds: Path = SEEDS_DIR) -> Iterator[tuple[str, os.stat_result]]:
    """Every file dbt reads from the project (all but the folders it writes) and the seeds, with its
    size and times."""
    for top in (project, seeds):
        for folder, subfolders, names in os.walk(top):
            if folder == str(project):
                subfolders[:] = [d for d in subfolders if d not in DBT_OUTPUT]
            for name in names:
                with contextlib.suppress(FileNotFoundError):  # an editor's file gone since the listing
                    yield os.path.join(folder, name), os.stat(os.path.join(folder, name))


def project_signature(project: Path = DBT_PROJECT_DIR, seeds: Path = SEEDS_DIR) -> str:
    """A digest of `project_files` with each one's size and modification time: any file changed, added,
    removed or renamed changes it."""
    listed = sorted(f"{path}\0{stat.st_mtime_ns}\0{stat.st_size}" for path, stat in project_files(project, seeds))
    return hashlib.sha256("\n".join(listed).encode()).hexdigest()


def is_stale(path: Path = MANIFEST_PATH) -> bool:
    """True when there is no manifest or a file of the project or the seeds is newer."""
    return not path.exists() or path.stat().st_mtime < max(stat.st_mtime for _, stat in project_files())


def prepare_manifest(warehouse: Path) -> Path:
    """Parse the dbt project into `dbt_project/target` for runs against `warehouse`."""
    subprocess.run(
        [DBT_EXECUTABLE, "parse", "--quiet", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir",
         str(DBT_PROJECT_DIR), "--target-path", str(TARGET_DIR), "--log-path", str(TARGET_DIR),
         *dbt_vars(warehouse)],
        check=True,
    )
    return require_manifest()


def main() -> int:
    manifest = prepare_manifest(Paths.from_env().warehouse)
    print(f"dbt manifest written to {manifest.relative_to(DBT_PROJECT_DIR.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
