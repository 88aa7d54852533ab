"""Configured resources handed to assets: where files land and where the warehouse is."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from pipelines.intake.api import LandingZone
from pipelines.settings import Paths


class LandingResource(ConfigurableResource):
    """The landing zone (returns and their registry) and the folder extracts arrive in."""

    root: str
    extracts_dir: str

    def zone(self) -> LandingZone:
        return LandingZone(Path(self.root))


class WarehouseResource(ConfigurableResource):
    """The DuckDB file the pipeline builds and the published copy readers use.

    `var_dir` is the deployment's run-time folder (its audit trail goes into each
    published build); left empty, it is the folder that holds warehouse/rocu.duckdb.
    """

    path: str
    published_path: str
    var_dir: str = ""

    def paths(self) -> Paths:
        return Paths(Path(self.var_dir) if self.var_dir else Path(self.path).parents[1])
