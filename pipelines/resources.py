"""Configured resources handed to assets: where files land and where the warehouse is."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource

from pipelines.land.zone import LandingZone


class LandingResource(ConfigurableResource):
    """The landing zone (returns and their registry) and the folder extracts arrive in."""

    root: str
    extracts_dir: str

    def zone(self) -> LandingZone:
        return LandingZone(Path(self.root))


class WarehouseResource(ConfigurableResource):
    """The DuckDB file the pipeline builds and the published copy readers use."""

    path: str
    published_path: str
