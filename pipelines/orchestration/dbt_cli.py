"""dbt as Dagster runs it, without the start-up cost dagster-dbt adds to every run.

Before each `dbt build` dagster-dbt (0.29) does two things these assets do not need:
- it runs `dbt --version` in a new process (about 3 s) to learn which dbt it drives; dbt's
  version check also asks the package index for the latest release, a network call the
  product must never make. The dbt it drives is the dbt-core installed beside it.
- it builds a dbt adapter inside the Dagster process (about 3 s) that it uses only to fetch row
  counts and column metadata, which these assets never ask for.

And dbt re-parses the whole project (about 6 s) unless the run's folder holds a
`partial_parse.msgpack` made with the same `--vars` and connection, that is for the same
warehouse. `make manifest` makes one for the default warehouse; after each run the run's own
is kept beside its warehouse (`var/dbt_parse/`) and handed to the next run there.

dbt's own file log is off unless ROCU_DBT_FILE_LOG names a level (`dbt_global_flags`; `debug` to
look into a failed run). dbt turns every event into a JSON line for each logger before the logger's
level drops it, so the file log cost 9-13% of a build's CPU whatever its level (and wrote 8-20 MB
a run at debug). A failed model's or test's message still reaches the Dagster run's log (from
dbt's output) and the run folder's run_results.json.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource
from packaging.version import Version

PARTIAL_PARSE = "partial_parse.msgpack"
MADE_FOR = "project.txt"  # beside a kept parse: the dbt project it was made from


class DbtCli(DbtCliResource):
    """dagster-dbt's `DbtCliResource` with its two per-run probes answered without work."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - same signature as dagster-dbt's
        return None  # dagster-dbt then skips row counts and column metadata, which no asset asks for


def dbt_global_flags() -> list[str]:
    """dbt's flags before its command: the file log as ROCU_DBT_FILE_LOG says, off by default."""
    return ["--log-level-file", os.environ.get("ROCU_DBT_FILE_LOG", "none")]


def reuse_parse(cache: Path, run_folder: Path, project: Path) -> bool:
    """Put the last parse made for this warehouse into a new run's folder (dagster-dbt copies the
    project's own only when the run folder has none). True when there was one.

    A parse holds the project's absolute paths: one made by a checkout elsewhere (a var folder
    copied or moved with the project) names seed files that are not there, and dbt then fails
    every seed. It is used only when it was made from `project`."""
    made_for = cache / MADE_FOR
    if not (cache / PARTIAL_PARSE).exists() or not made_for.exists() \
            or made_for.read_text() != str(project.resolve()):
        return False
    run_folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cache / PARTIAL_PARSE, run_folder / PARTIAL_PARSE)
    return True


def keep_parse(run_folder: Path, cache: Path, project: Path) -> None:
    """Keep a finished run's parse for the next run against the same warehouse, with the project
    it was made from (each replaced whole, so a reader never sees half a file)."""
    made = run_folder / PARTIAL_PARSE
    if made.exists():
        cache.mkdir(parents=True, exist_ok=True)
        partial = cache / f".{PARTIAL_PARSE}.{os.getpid()}"
        shutil.copyfile(made, partial)
        os.replace(partial, cache / PARTIAL_PARSE)
        named = cache / f".{MADE_FOR}.{os.getpid()}"
        named.write_text(str(project.resolve()))
        os.replace(named, cache / MADE_FOR)
