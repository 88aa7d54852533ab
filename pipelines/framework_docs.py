"""Write docs/framework.md from the metric catalogue (seeds/framework/metrics.csv).

Run `make docs` after changing the catalogue; a test fails while the page is out of date.
"""

from __future__ import annotations

import polars as pl

from pipelines import reference
from pipelines.settings import PROJECT_ROOT, SEEDS_DIR

TARGET = PROJECT_ROOT / "docs" / "framework.md"
UNIT_WORDS = {"count": "count", "gbp": "£", "kg": "kg", "fte": "FTE", "percent": "%", "years": "years",
              "score": "score"}
SOURCE_WORDS = {"monthly_return": "monthly return", "disruption_extract": "disruption extract",
                "ocg_register": "OCG register", "capacity_tasking_extract": "capacity and tasking extract"}


def render() -> str:
    metrics = reference.metrics()
    strands = pl.read_csv(SEEDS_DIR / "reference" / "strands.csv").sort("sort_order")
    threats = dict(pl.read_csv(SEEDS_DIR / "reference" / "threat_areas.csv")
                   .select("threat_area_code", "threat_area_name").iter_rows())
    lines = [
        "# The common performance framework",
        "",
        "Generated from `seeds/framework/metrics.csv` by `make docs`; do not edit by hand.",
        "",
        f"{metrics.height} metrics. Every monthly return and extract maps to these ids. "
        "*Over time* says how monthly figures combine into quarters and financial years "
        "(sum; mean; snapshot = the value at the end of the period; latest = the most recent value reported; "
        "ratio = recomputed from its numerator and denominator, never averaged). *Over units* says how unit "
        "figures combine into the network figure. *Better* is ↑ when higher is better, ↓ when lower is better "
        "and blank when neither.",
        "",
    ]
    for strand_code, strand_name, aim in strands.select("strand_code", "strand_name", "aim").iter_rows():
        group = metrics.filter(pl.col("strand") == strand_code).sort("metric_id")
        lines += [f"## {strand_name} ({group.height})", "", f"*{aim}.*", "",
                  "| id | name | threat area | unit | over time | over units | better | source | definition |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for m in group.iter_rows(named=True):
            better = {True: "↑", False: "↓", None: ""}[m["higher_is_better"]]
            lines.append(
                f"| `{m['metric_id']}` | {m['metric_name']} | {threats.get(m['threat_area_code'], '')} | "
                f"{UNIT_WORDS[m['unit']]} | {m['time_aggregation']} | {m['space_aggregation']} | {better} | "
                f"{SOURCE_WORDS[m['source']]} | {m['definition']} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    TARGET.write_text(render())
    print(f"wrote {TARGET.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    main()
