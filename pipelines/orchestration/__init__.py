"""Dagster: the assets that load landed files, the dbt models, publishing, the jobs and the sensor.

`definitions.py` is the code location (`dagster dev -m pipelines.orchestration.definitions`).
"""
