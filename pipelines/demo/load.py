"""Submit the generated demo returns through the real intake, as their units would have.

Each return is submitted with the date in the demo manifest (so late returns are late),
and the extracts are copied to the extracts folder the pipeline reads. Running it twice
changes nothing: the same bytes are recognised, not stored again.
"""

from __future__ import annotations

import csv
import shutil
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from pipelines.intake import submit_return
from pipelines.land.zone import LandingZone


def load_demo(demo_dir: Path, zone: LandingZone) -> dict[str, int]:
    with (demo_dir / "manifest.csv").open() as f:
        rows = [r for r in csv.DictReader(f) if r["path"]]
    counts: dict[str, int] = {}
    for row in tqdm(rows, desc="submitting demo returns", unit="file"):
        path = demo_dir / row["path"]
        verdict = submit_return(
            zone, path.read_bytes(), original_name=path.name, rocu_code=row["rocu_code"], period=row["period"],
            submitted_by=f"demo.{row['rocu_code'].lower()}.lead", submitted_at=datetime.fromisoformat(row["submitted_at"]),
        )
        counts[verdict.submission.state] = counts.get(verdict.submission.state, 0) + 1
    target = zone.root / "extracts"
    for src in (demo_dir / "extracts").rglob("*.csv"):
        dest = target / src.relative_to(demo_dir / "extracts")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists() or dest.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dest)
    return counts
