"""The template a unit lead downloads is their own layout and labels, and reads back cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboards.template import build_template, unit_labels
from pipelines import reference
from pipelines.intake.standardise.cells import normalise_label
from pipelines.intake.standardise.layouts import LAYOUT_READERS
from pipelines.intake.standardise.mapping import is_known_force
from pipelines.intake.standardise.read_tables import read_grids
from pipelines.intake.standardise.returns import parse_return, unit_layout

PERIOD = "2026-09"


@pytest.mark.parametrize("rocu_code", reference.rocus()["rocu_code"].to_list())
def test_template_lists_every_mapped_label_in_the_units_layout_and_parses_cleanly(rocu_code, tmp_path: Path):
    name, content, mime = build_template(rocu_code, PERIOD)
    path = tmp_path / name
    path.write_bytes(content)
    layouts = reference.unit_layouts()
    assert path.suffix == "." + layouts.filter(layouts["rocu_code"] == rocu_code)["file_format"].item()

    parsed = parse_return(path, rocu_code, PERIOD)
    assert parsed.problems == []  # no errors, and no unknown labels
    assert parsed.values.is_empty()  # empty cells are "not collected", never zero

    grids = [g for g in read_grids(path) if not g.hidden]
    found, _ = LAYOUT_READERS[unit_layout(rocu_code)](grids, PERIOD, name, is_known_force)
    labels = unit_labels(rocu_code)["local_label"]
    assert {normalise_label(f.label) for f in found} == {normalise_label(x) for x in labels}


def test_a_filled_in_template_is_read_into_framework_values(tmp_path: Path):
    name, content, _ = build_template("NEROCU", PERIOD)
    lines = content.decode("utf-8").splitlines()
    filled = "\n".join([lines[0], *(line + "2" for line in lines[1:])]).encode("utf-8")
    path = tmp_path / name
    path.write_bytes(filled)
    parsed = parse_return(path, "NEROCU", PERIOD)
    assert parsed.problems == []
    assert parsed.values.height == len(lines) - 1 and set(parsed.values["value"]) == {2.0}
    forces = set(reference.current_forces().filter(reference.current_forces()["rocu_code"] == "NEROCU")["force_code"])
    assert set(parsed.values["force_code"].drop_nulls()) == forces
