"""Great Expectations suites from expectations/, run on Polars frames, reported as Problems.

Suites are JSON files (one per dataset). A kwarg written "@seed:<csv>:<column>" is
replaced by that seed column's values, so allowed values live once, in seeds/. Each
expectation's meta gives the severity and the plain-English message shown to users; the
failing rows are named by the frame's source_file / source_sheet / source_row columns.
A message may name the failing row's own cells as {column} (for example {raw_value} or
{local_label}), and {where} for its place ("Row 7, column D of sheet 'Pursue' in f.xlsx"),
so a rule's message says what was found where, as the parser's messages do; meta
"value_column" names the cell shown as the value found, where it is not the figure itself,
and meta "place_column" the frame column holding the column letter of that cell (default
source_column, the figure's own cell).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import threading
from functools import cache
from string import Formatter
from typing import Any

import polars as pl

from pipelines.intake.check.rules import severity_of
from pipelines.intake.check.worker_client import ask_worker, is_running
from pipelines.intake.types import Problem, cell_place
from pipelines.settings import EXPECTATIONS_DIR, SEEDS_DIR

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

MAX_PROBLEMS_PER_EXPECTATION = 50  # enough to fix a file; a report of 100,000 rows helps nobody


def _resolve(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("@seed:"):
        _, csv, column = value.split(":")
        return pl.read_csv(SEEDS_DIR / csv, infer_schema=False)[column].drop_nulls().unique().sort().to_list()
    return value


def load_suite_spec(name: str) -> dict:
    spec = json.loads((EXPECTATIONS_DIR / f"{name}.json").read_text())
    for exp in spec["expectations"]:
        exp["kwargs"] = {k: _resolve(v) for k, v in exp["kwargs"].items()}
    return spec


# Expectation types that judge each row on its own (or, for uniqueness, a value unique in the
# whole is unique in each part): a frame of many files that passes them has no file that fails them.
WHOLE_PASS_IMPLIES_EACH_PART = frozenset({
    "expect_column_values_to_not_be_null", "expect_column_values_to_be_null", "expect_column_values_to_be_in_set",
    "expect_column_values_to_match_regex", "expect_column_pair_values_a_to_be_greater_than_b",
    "expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique",
})


def suite_holds_per_part_when_whole_passes(name: str) -> bool:
    """True when every rule of suite `name` is one that passing on several files at once proves for
    each file (a row count, a mean or a `mostly` below 1 does not)."""
    return all(e["type"] in WHOLE_PASS_IMPLIES_EACH_PART and e["kwargs"].get("mostly", 1) == 1
               for e in load_suite_spec(name)["expectations"])


_BUILDING = threading.Lock()  # the warm-up thread and a check may ask for the same suite at once
WARMED_SUITES = ("return_values", "resources")  # the suites a verdict runs
_warming: dict[tuple[str, ...], threading.Thread] = {}


def prepare(name: str) -> None:
    """Import Great Expectations and build suite `name` now (the intake worker, before it listens)."""
    _validator(name)


def warm_up(names: tuple[str, ...] = WARMED_SUITES) -> threading.Thread:
    """Import Great Expectations and build `names`' suites on a background thread, and return it.

    Importing GX is most of a cold verdict's time (about 80% of its CPU). A caller that will
    soon ask for a verdict (the command line before it signs in and reads the file, the Upload
    page while the person picks a file) starts it here, so the import overlaps with that wait;
    a check that comes first simply waits for the same suite to be ready. Started once per process,
    and not at all while an intake worker runs (the checks go to it)."""
    worker = names not in _warming and is_running()
    with _BUILDING:
        if names not in _warming:
            _warming[names] = threading.Thread(
                target=(lambda: None) if worker else (lambda: [_validator(name) for name in names]),
                name="gx-warm-up", daemon=True)
            _warming[names].start()
        return _warming[names]


def _validator(name: str):
    """A batch definition and suite in an ephemeral (in-memory, write-nothing) GX context, built once."""
    with _BUILDING:
        return _build_validator(name)


@cache
def _build_validator(name: str):
    import great_expectations as gx
    from great_expectations.core import ExpectationSuite
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (context.data_sources.add_pandas(f"frames_{name}")
                        .add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole"))
    spec = load_suite_spec(name)
    suite = context.suites.add(ExpectationSuite(**spec))
    if len(suite.expectations) != len(spec["expectations"]):  # GX logs a bad expectation and drops it
        raise RuntimeError(f"expectations/{name}.json: {len(spec['expectations']) - len(suite.expectations)} "
                           "expectation(s) could not be built; check their types and arguments")
    return batch_definition, suite


def _render(message: str, fields: dict[str, Any]) -> str:
    """`message` with {name} filled from `fields`; a name the row lacks is left as written."""
    names = {name for _, name, _, _ in Formatter().parse(message) if name}
    if not names or not names <= fields.keys():
        return message
    return message.format_map({k: _words(v) for k, v in fields.items()})


def _words(value: Any) -> str:
    """A cell as a person would write it: 10000.0 as 10,000, a label without stray spaces."""
    if value is None or type(value).__name__ == "NAType" or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):,}"
    return str(value).strip()


def _columns(expectation) -> set[str]:
    """The columns an expectation reads, those its row condition names included."""
    kwargs = expectation.configuration.kwargs
    return _named_columns(kwargs) | set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?=\s*[=!<>])", _condition(kwargs)))


def _named_columns(kwargs: dict) -> set[str]:
    """The columns an expectation names in its arguments."""
    return {kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)} | set(kwargs.get("column_list") or [])


def _condition(kwargs: dict) -> str:
    """An expectation's row condition as written ("" if none)."""
    condition = kwargs.get("row_condition") or ""
    if isinstance(condition, dict):  # GX keeps a pandas condition as {"pass_through_filter": "..."}
        condition = condition.get("pass_through_filter") or ""
    return condition


@cache
def _columns_read(name: str) -> frozenset[str] | None:
    """Every column suite `name`'s rules read (a name in a row condition counted wherever it
    appears), or None where a rule judges the table's columns themselves (their set, order or
    count): such a rule needs the frame as it came."""
    _, suite = _validator(name)
    if any("table_column" in e.expectation_type for e in suite.expectations):
        return None
    read: set[str] = set()
    for kwargs in (expectation.configuration.kwargs for expectation in suite.expectations):
        read |= _named_columns(kwargs) | set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", _condition(kwargs)))
    return frozenset(read)


def _missing_columns(name: str, suite, frame: pl.DataFrame, file: str | None) -> list[Problem]:
    """One problem per column the suite reads that the file lacks: its rules cannot say more."""
    absent = sorted(set().union(*(_columns(e) for e in suite.expectations)) - set(frame.columns))
    kind = name.replace("_", " ")
    return [Problem(severity_of("missing_column"), "missing_column",
                    f"The file has no '{column}' column, which every {kind} extract needs: add the column "
                    "(its name in the header row, a value in each row) and send the file again.",
                    file=file or "", column=column) for column in absent]


def validate(name: str, frame: pl.DataFrame, file: str | None = None) -> list[Problem]:
    """Validate `frame` against suite `name`; one Problem per failing row (capped per expectation).

    Asked of the intake worker when one runs (Great Expectations already loaded there), else
    checked in this process: the same problems either way.
    """
    if frame.is_empty():
        return []
    answered = ask_worker(name, frame, file)
    return check_here(name, frame, file) if answered is None else answered


def check_here(name: str, frame: pl.DataFrame, file: str | None = None) -> list[Problem]:
    """`validate` in this process. A column the suite reads but the file lacks is one problem,
    and the rules on it are not run."""
    if frame.is_empty():
        return []
    batch_definition, suite = _validator(name)
    missing = _missing_columns(name, suite, frame, file)
    absent = {p.column for p in missing}
    pdf = frame.to_pandas()
    # GX filters and copies its frame for each metric it computes (a row condition is a
    # DataFrame.query, which makes a Series of every column), so it is given only the columns its
    # rules read: on a return 8 of 17 (0.24 s a file against 0.28 s). The messages read the whole row.
    read = _columns_read(name)
    judged = pdf if read is None else pdf[[c for c in pdf.columns if c in read]]
    batch = batch_definition.get_batch(batch_parameters={"dataframe": judged})
    # Most files pass every expectation: a pass/fail answer costs about a third of a full result
    # (the failing rows, their values), so only the expectations that failed are run again for it.
    verdicts = batch.validate(suite, result_format="BOOLEAN_ONLY")
    failed = {res.expectation_config.id for res in verdicts.results if not res.success}
    problems: list[Problem] = missing
    for expectation in suite.expectations:
        if expectation.id not in failed or _columns(expectation) & absent:
            continue
        res = batch.validate(expectation, result_format={"result_format": "COMPLETE",
                                                         "unexpected_index_column_names": []})
        config = res.expectation_config
        meta, kwargs = config.meta or {}, config.kwargs
        # A rule on a pair of columns is placed in the column its meta names (value_column).
        column = kwargs.get("column") or meta.get("value_column") or ", ".join(kwargs.get("column_list", []))
        indexes = res.result.get("unexpected_index_list") or []
        if not indexes:  # table-level expectation: one problem for the file
            problems.append(Problem(meta.get("severity", "error"), meta.get("rule", config.type),
                                    meta.get("message", config.type), file=file or "", column=column or None))
            continue
        for index in indexes[:MAX_PROBLEMS_PER_EXPECTATION]:
            index = index if isinstance(index, int) else index.get("index", 0)
            row = pdf.iloc[index]
            # Show the column the rule names (meta value_column), else what the user wrote (raw_value)
            # where the frame keeps it, else the checked value.
            shown = meta.get("value_column") or ("raw_value" if "raw_value" in row else kwargs.get("column"))
            value = row.get(shown)
            placed = meta.get("place_column", "source_column")
            place = Problem(
                severity=meta.get("severity", "error"), rule=meta.get("rule", config.type), message="",
                file=str(row.get("source_file") or file or ""),
                sheet=row.get("source_sheet") if isinstance(row.get("source_sheet"), str) else None,
                row=int(row["source_row"]) if "source_row" in row and row["source_row"] == row["source_row"] else None,
                column=(row.get(placed) if isinstance(row.get(placed), str) else column) or None,
                value=None if value is None or value != value else str(value),
            )
            fields = {**row.to_dict(), "where": cell_place(place.file, place.sheet, place.row, place.column)}
            problems.append(dataclasses.replace(place, message=_render(meta.get("message", config.type), fields)))
        if len(indexes) > MAX_PROBLEMS_PER_EXPECTATION:
            problems.append(Problem(meta.get("severity", "error"), meta.get("rule", config.type),
                                    f"... and {len(indexes) - MAX_PROBLEMS_PER_EXPECTATION:,} more rows like this.",
                                    file=file or "", column=column or None))
    return problems
