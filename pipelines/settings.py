"""Where things live. One place for paths so code and tests agree.

Every path can be moved with one environment variable (tests point them at a temporary
folder); defaults keep everything inside the project folder, git-ignored under var/.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = PROJECT_ROOT / "seeds"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


@dataclass(frozen=True)
class Paths:
    """Run-time folders: where files land, where the warehouse is built and published."""

    var: Path

    @classmethod
    def from_env(cls) -> Paths:
        return cls(Path(os.environ.get("ROCU_VAR_DIR", PROJECT_ROOT / "var")).resolve())

    @property
    def demo(self) -> Path:
        return self.var / "demo"

    @property
    def landing(self) -> Path:
        return self.var / "landing"

    @property
    def warehouse(self) -> Path:
        """The DuckDB file the pipeline writes (never read by dashboards)."""
        return self.var / "warehouse" / "rocu.duckdb"

    @property
    def published(self) -> Path:
        """The read-only copy dashboards read, swapped in after each good build."""
        return self.var / "published" / "rocu.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.var / "dagster_home"
