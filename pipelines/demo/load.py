"""Submit the generated demo returns through the real intake, as their units would have:
the monthly returns, then the quarterly resources returns, each unit in order.

Each return is submitted with the date in the demo manifest (so late returns are late),
and the extracts are copied to the extracts folder the pipeline reads. Running it twice
changes nothing: a return whose bytes the registry already holds for its unit-month is
skipped (a person sending the same bytes again gets a new, re-checked version instead).
A load stopped part-way (Ctrl+C) is finished by the next: a version left before its sign-off
is signed off, one left before its verdict is sent again. Units are submitted in
parallel (one process per unit at a time, months in order, so each return is checked
against the history before it), as they would arrive from nine units.
"""

from __future__ import annotations

import csv
import hashlib
import multiprocessing
import os
import shutil
from collections import Counter, defaultdict
from datetime import datetime
from functools import partial
from pathlib import Path

from tqdm import tqdm

from pipelines.intake.queries import answer_query, open_queries
from pipelines.intake.service import approve
from pipelines.intake.land.zone import LandingZone
from pipelines.intake.land.registry import ACCEPTED_STATES
from pipelines.intake.workflow import reasons_needed, signed_off_versions, submit

DEMO_EXPLANATION = "Checked by the unit: the figure is right (demo data)."
# The reason a unit gives where the workflow asks for one (pipelines/intake/check/reasons.py rules).
DEMO_REASONS = {"late": "The return was held up waiting for a force's figures (demo data).",
                "replaces_signed_off": "Figures corrected after the unit's own checks (demo data)."}


def _submit_unit(demo_dir: Path, zone_root: Path, rows: list[dict]) -> Counter:
    # One batch per unit: its hundreds of short registry and audit operations share open WAL files
    # instead of checkpointing and deleting them after each one (LandingZone.batch); same rows.
    with LandingZone(zone_root).batch() as zone:
        return _submit_rows(zone, demo_dir, rows)


def _submit_rows(zone: LandingZone, demo_dir: Path, rows: list[dict]) -> Counter:
    states = Counter()
    for row in sorted(rows, key=lambda r: (r["kind"], r["period"])):
        content = (demo_dir / row["path"]).read_bytes()
        found = zone.registry.find(row["rocu_code"], row["period"], hashlib.sha256(content).hexdigest(), row["kind"])
        if found is None or found.state == "received":  # not sent yet, or its check died with a stopped load
            sent = datetime.fromisoformat(row["submitted_at"])
            needed = reasons_needed(zone, row["rocu_code"], row["period"], row["kind"], at=sent)
            found = submit(
                zone, content, original_name=Path(row["path"]).name, rocu_code=row["rocu_code"],
                period=row["period"], submitted_by=f"demo.{row['rocu_code'].lower()}.lead", submitted_at=sent,
                kind=row["kind"], reason=" ".join(DEMO_REASONS[j.rule] for j in needed) or None,
            ).submission
            states[found.state] += 1
            signed_off = False  # a new version
        else:  # sent by an earlier load, which may have stopped before its sign-off
            signed_off = found.version in signed_off_versions(zone, found.rocu_code, found.period, found.return_kind)
        if found.state in ACCEPTED_STATES and not signed_off:
            # the unit's lead answers its queries, its approver signs it off, as the workflow requires
            unit = row["rocu_code"].lower()
            for query in open_queries(zone, found):
                answer_query(zone, query.submission_id, query.key, DEMO_EXPLANATION, f"demo.{unit}.lead")
            approve(zone, found.submission_id, f"demo.{unit}.approver")
    return states


def _as_they_finish(results, count: int):
    """Each unit's verdict counts as its worker finishes, waited for in short steps: blocked in the
    pool's wait without a timeout, the main thread acted on Ctrl+C only when the next unit finished
    (still waiting 2 s after it, seen with py-spy); waiting 0.2 s at a time, it stops within that."""
    for _ in range(count):
        while True:
            try:
                yield results.next(timeout=0.2)
                break
            except multiprocessing.TimeoutError:
                continue


# Each manifest and the kind of return it lists; a demo made before resources returns has no second one.
MANIFESTS = {"manifest.csv": "monthly", "resources_manifest.csv": "resources"}


def load_demo(demo_dir: Path, zone: LandingZone, workers: int | None = None) -> dict[str, int]:
    by_unit: dict[str, list[dict]] = defaultdict(list)
    for manifest, kind in MANIFESTS.items():
        if not (demo_dir / manifest).exists():
            continue
        with (demo_dir / manifest).open() as f:
            for row in csv.DictReader(f):
                if row["path"]:
                    by_unit[row["rocu_code"]].append({**row, "kind": kind})
    counts: Counter = Counter()
    # spawn, not fork: forking a process that already runs Polars/DuckDB threads can deadlock.
    context = multiprocessing.get_context("spawn")
    # A Pool, not a ProcessPoolExecutor: leaving the `with` (Ctrl+C included) terminates the workers.
    # An executor waits for every unit already handed to a worker, and its workers catch their own
    # KeyboardInterrupt and go on to the next unit, so Ctrl+C waited for the rest of the load.
    with context.Pool(workers or min(4, os.cpu_count() or 1)) as pool:
        submitted = pool.imap_unordered(partial(_submit_unit, demo_dir, zone.root), by_unit.values())
        for states in tqdm(_as_they_finish(submitted, len(by_unit)), total=len(by_unit),
                           desc="submitting demo returns", unit="unit"):
            counts += states
    target = zone.root / "extracts"
    for src in (demo_dir / "extracts").rglob("*.csv"):
        dest = target / src.relative_to(demo_dir / "extracts")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists() or dest.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dest)
    return dict(counts)
