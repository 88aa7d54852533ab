"""Suggest a framework metric for a unit's unmapped label, by similarity of wording.

Why here (the configuration layer) and not in a dbt mart: a suggestion is an input an admin
accepts or rejects while configuring the label map, not a figure anyone reads. The admin page
shows the suggested metrics in rank order and never a score, so no number leaves this module
(every figure a person sees is computed in dbt; this is not one). It must also work the moment
a return is checked, before any warehouse build, and see mappings made a minute ago, which the
configuration store gives at once and a mart only after the next build.

Why difflib: it is the standard library's, already installed and well kept (rapidfuzz is not
installed in this project). The catalogue is about seventy metrics, so scoring every wording
for every label is instant.

Which metrics: those a monthly return reports (a label map serves returns only). What a metric's
wording is: its name in the framework catalogue (seeds/framework/metrics.csv)
and every local label any unit already maps to it (the effective label map), so "Drones
recovered" can find the metric another unit's "Drones seized" is mapped to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from pipelines import reference

WORD = re.compile(r"[a-z0-9]+")
# Words that carry no meaning for matching a measure's name (kept short on purpose).
STOP_WORDS = frozenset({"a", "an", "and", "by", "for", "in", "of", "on", "or", "the", "to", "with", "no", "number"})


@dataclass(frozen=True)
class Suggestion:
    """A metric suggested for a label, with the wording it resembles most (shown as the reason)."""

    metric_id: str
    metric_name: str
    because_of: str  # the catalogue name or another unit's label that is closest


def words(text: str) -> list[str]:
    """Lower-case words without stop words: 'Number of Arrests (total)' -> ['arrests', 'total']."""
    return [w for w in WORD.findall(text.lower()) if w not in STOP_WORDS]


def closeness(label: str, wording: str) -> float:
    """How alike two wordings are, 0 to 1: the better of the character-level likeness of the
    words in order and of the words sorted (so 'Seized drones' matches 'Drones seized'), and
    the share of the label's words found, give or take a typo, in the wording."""
    a, b = words(label), words(wording)
    if not a or not b:
        return 0.0
    in_order = SequenceMatcher(None, " ".join(a), " ".join(b)).ratio()
    sorted_words = SequenceMatcher(None, " ".join(sorted(a)), " ".join(sorted(b))).ratio()
    found = sum(any(SequenceMatcher(None, w, v).ratio() >= 0.8 for v in b) for w in a) / max(len(a), len(b))
    return max(in_order, sorted_words, found)


def rank(label: str, wordings: Mapping[str, tuple[str, Iterable[str]]], n: int = 3,
         at_least: float = 0.5) -> list[Suggestion]:
    """The `n` metrics whose wording is closest to `label`, best first; none below `at_least`.

    `wordings`: metric_id -> (metric name, the other wordings of it). Ties go to the metric id
    in alphabetical order, so the same label always gets the same suggestions.
    """
    scored = []
    for metric_id, (name, others) in wordings.items():
        best = max(((closeness(label, w), w) for w in (name, *others)), key=lambda p: p[0])
        if best[0] >= at_least:
            scored.append((-best[0], metric_id, name, best[1]))
    return [Suggestion(m, name, why) for _, m, name, why in sorted(scored)[:n]]


def catalogue_wordings(exclude_unit: str | None = None) -> dict[str, tuple[str, list[str]]]:
    """Each metric a monthly return reports (the only ones a label can map to): its name in the
    catalogue and the labels units map to it (but `exclude_unit`'s own)."""
    others: dict[str, list[str]] = {}
    for row in reference.label_map().iter_rows(named=True):
        if row["rocu_code"] != exclude_unit:
            others.setdefault(row["metric_id"], []).append(row["local_label"])
    return {r["metric_id"]: (r["metric_name"], others.get(r["metric_id"], []))
            for r in reference.metrics().iter_rows(named=True) if r["source"] == "monthly_return"}


def suggest(label: str, unit: str, n: int = 3) -> list[Suggestion]:
    """Suggested metrics for `unit`'s unmapped `label`, best first (possibly none)."""
    return rank(label, catalogue_wordings(exclude_unit=unit), n)
