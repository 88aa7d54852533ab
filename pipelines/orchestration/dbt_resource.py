"""dagster-dbt's dbt resource, without the start-up cost it adds to every run.

Before each `dbt build` dagster-dbt (0.29) does two things these assets do not need:
- it runs `dbt --version` in a new process (about 3 s) to learn which dbt it drives; dbt's
  version check also asks the package index for the latest release, a network call the
  product must never make. The dbt it drives is the dbt-core installed beside it.
- it builds a dbt adapter inside the Dagster process (about 3 s) that it uses only to fetch row
  counts and column metadata, which these assets never ask for.
"""

from __future__ import annotations

import importlib.metadata
from functools import cached_property

from dagster_dbt import DbtCliResource
from packaging.version import Version


class DbtCli(DbtCliResource):
    """dagster-dbt's `DbtCliResource` with its two per-run probes answered without work."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - same signature as dagster-dbt's
        return None  # dagster-dbt then skips row counts and column metadata, which no asset asks for
