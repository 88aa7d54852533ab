"""dbt as the runs invoke it: its flags, and the parse each run starts from.

dbt re-parses the whole project (about 5 s of CPU) unless the run's folder holds a
`partial_parse.msgpack` whose checksums of the `--vars` and the connection match the run's, that
is one made for the same warehouse. After each run the run's own parse is kept beside its
warehouse (`var/dbt_parse/`) and handed to the next run there. A warehouse with none yet (a new
var folder, a copy) gets the project's own parse from `make manifest` with those two checksums
made for it (`parse_for_warehouse`): the path is all that differs, and no model reads it.

dbt's own file log is off unless ROCU_DBT_FILE_LOG names a level (`dbt_global_flags`; `debug` to
look into a failed run). dbt turns every event into a JSON line for each logger before the logger's
level drops it, so the file log cost 9-13% of a build's CPU whatever its level (and wrote 8-20 MB
a run at debug). A failed model's or test's message still reaches the Dagster run's log (from
dbt's output) and the run folder's run_results.json.

No Dagster here: the refresh worker's dbt process (dbt_child.py) imports this and not Dagster (about
3 s and 150 MB). dagster-dbt's resource, as the other runs use it, is dbt_resource.py.
"""

from __future__ import annotations

import logging
import os
import pprint
import shutil
from pathlib import Path

import msgpack
import yaml

from pipelines.orchestration.manifest import warehouse_vars

log = logging.getLogger(__name__)

PARTIAL_PARSE = "partial_parse.msgpack"
MADE_FOR = "project.txt"  # beside a kept parse: the dbt project it was made from
PROFILE = "rocu_warehouse"  # the profile dbt_project.yml names, in the project's profiles.yml
WORKER_TARGET = "refresh_worker"  # that profile's output for the refresh worker's builds (why: profiles.yml)


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


def start_from_kept_parse(cache: Path, run_folder: Path, warehouse: Path, project: Path) -> None:
    """Put the best parse there is into a new run's folder, so dbt reads again only what changed: the
    last one kept for this warehouse (`reuse_parse`), or else the project's own made for it
    (`parse_for_warehouse`)."""
    if not reuse_parse(cache, run_folder, project):
        parse_for_warehouse(project / "target" / PARTIAL_PARSE, run_folder, warehouse, project)


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


def parse_for_warehouse(parse: Path, run_folder: Path, warehouse: Path, project: Path) -> bool:
    """Put `parse` (the project's own, made for another warehouse) into a run's folder as dbt would
    have made it for a run against `warehouse` whose only vars are `warehouse_vars` (as every run's
    are): the same parse with the two checksums of its state check that name them. True when it was
    put there.

    dbt keeps a parse only while the checksums of the command-line vars and of the connection match
    the run's; both hold the warehouse's path, which no model, macro or test reads (the parse never
    contains it). Other vars could change what is parsed, so a run given any is left to dbt. The
    parse does hold the database's name, which DuckDB takes from the file's name (`rocu.duckdb` is
    `rocu`): a warehouse named otherwise is left to a whole parse. dbt still compares the checksums
    when it reads the file, so should a later dbt make them otherwise, it parses the whole project,
    as it did before."""
    try:
        saved = msgpack.unpackb(parse.read_bytes(), strict_map_key=False)
        database, checksums = _connection(warehouse, project / "profiles.yml")
        if {node["database"] for node in saved["nodes"].values() if node.get("database")} != {database}:
            return False
        saved["state_check"].update(checksums)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, msgpack.UnpackException) as exc:
        log.info("dbt will parse the whole project: %s could not be used (%s)", parse, exc)
        return False
    run_folder.mkdir(parents=True, exist_ok=True)
    (run_folder / PARTIAL_PARSE).write_bytes(msgpack.packb(saved))
    return True


def _connection(warehouse: Path, profiles: Path) -> tuple[str, dict[str, dict]]:
    """The database a run against `warehouse` builds in, and dbt's checksums of its vars and of its
    connection, made as dbt makes them (dbt/parser/manifest.py, `build_manifest_state_check`) with its
    own `FileHash` and the adapter's own credentials for the profile's target with that path."""
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.contracts.files import FileHash
    from dbt.version import __version__

    cli_vars = warehouse_vars(warehouse)
    profile = yaml.safe_load(profiles.read_text())[PROFILE]
    target = {key: value for key, value in profile["outputs"][profile["target"]].items() if key != "type"}
    credentials = DuckDBCredentials.from_dict({**target, "path": str(warehouse)})
    connection = sorted(credentials.connection_info())
    return credentials.database, {
        "vars_hash": FileHash.from_contents("\x00".join([pprint.pformat(cli_vars), "", "", __version__])).to_dict(),
        "profile_hash": FileHash.from_contents(pprint.pformat(connection)).to_dict()}
