"""Charts for board papers: greyscale, hatched, directly labelled, so they survive a
black-and-white printer and never rely on colour alone. Output is inline SVG text,
byte-for-byte the same for the same figures (fixed hash salt, no date metadata)."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from pipelines.serving.formats import missing, plain  # noqa: E402

INK, MID, LIGHT, PALE = "#1a1a1a", "#5a5a5a", "#a6a6a6", "#dcdcdc"
WIDTH = 6.9  # inches: A4 less margins
STRAND_STYLE = {  # fill, hatch: readable without colour
    "pursue": (INK, ""), "prevent": ("white", "///"), "protect": (PALE, "---"), "prepare": ("white", "xx"),
}
STATUS_MARK = {"on_time": ("●", "on time"), "late": ("▲", "late"), "missing": ("✕", "missing"),
               "rejected": ("R", "rejected"), "pending": ("○", "not yet due")}

plt.rcParams.update({
    "font.family": "DejaVu Sans", "font.size": 8, "svg.fonttype": "none", "svg.hashsalt": "rocu-board-report",
    "axes.edgecolor": MID, "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK,
    "axes.spines.top": False, "axes.spines.right": False, "hatch.color": INK, "hatch.linewidth": 0.6,
})


def to_svg(fig: plt.Figure) -> str:
    """SVG text for inline use: no XML prolog or metadata, scalable, ids unique on the page."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = re.sub(r'width="[\d.]+pt" height="[\d.]+pt"', 'width="100%"', svg, count=1)
    return re.sub(r"\s*\n\s*", " ", svg)


def prefix_ids(svg: str, prefix: str) -> str:
    """Charts share a page: give every id (clip paths, hatch patterns) the chart's own prefix."""
    svg = re.sub(r'id="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", svg)
    return re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', svg)


def unit_bars(values: dict[str, float], focus: str | None, xlabel: str, label=plain,
              reference: float | None = None, reference_label: str = "network median") -> str:
    """One bar per unit; the unit in focus dark and hatched, the rest pale; values written on the bars."""
    units = list(values)[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.13 * len(units) + 0.45))
    for i, unit in enumerate(units):
        v = 0 if missing(values[unit]) else values[unit]
        is_focus = unit == focus
        ax.barh(i, v, color=MID if is_focus else PALE, hatch="///" if is_focus else "", edgecolor=INK, linewidth=0.5)
        ax.text(v, i, f" {label(values[unit])}", va="center", fontsize=7.5, fontweight="bold" if is_focus else "normal")
    ax.set_yticks(range(len(units)), [f"▶ {u}" if u == focus else u for u in units])
    for tick, unit in zip(ax.get_yticklabels(), units):
        tick.set_fontweight("bold" if unit == focus else "normal")
    if reference is not None:
        ax.axvline(reference, color=INK, linestyle="--", linewidth=0.9)
        ax.text(reference, len(units) - 0.4, f" {reference_label} {label(reference)}", fontsize=7, va="bottom")
    ax.set_xlabel(xlabel)
    ax.margins(x=0.15)
    if all(missing(v) or float(v).is_integer() for v in values.values()):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return to_svg(fig)


def status_grid(status: list[dict], units: list[str], months: list[str], focus: str | None) -> str:
    """Units by month, one symbol per return, so lateness and gaps show as shapes, not colours."""
    fig, ax = plt.subplots(figsize=(WIDTH, 0.14 * len(units) + 0.5))
    cell = {(r["rocu_code"], r["month"]): r["status"] for r in status}
    rows = units[::-1]
    for y, unit in enumerate(rows):
        if unit == focus:
            ax.axhspan(y - 0.5, y + 0.5, color=PALE, zorder=0)
        for x, month in enumerate(months):
            mark = STATUS_MARK.get(cell.get((unit, month), ""), ("", ""))[0]
            ax.text(x, y, mark, ha="center", va="center", fontsize=9, color=INK)
    ax.set_xlim(-0.5, len(months) - 0.5)
    ax.set_ylim(-0.5, len(rows) - 0.5)
    ax.set_xticks(range(len(months)), [m[2:] for m in months])
    ax.set_yticks(range(len(rows)), [f"▶ {u}" if u == focus else u for u in rows])
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    key = "   ".join(f"{m} {label}" for m, label in STATUS_MARK.values())
    ax.set_title(key, fontsize=7.5, loc="left")
    return to_svg(fig)


def strand_stack(counts: dict[str, dict[str, float]], focus: str | None) -> str:
    """Impact-weighted disruptions by 4P strand, stacked per unit, each strand with its own hatching."""
    units = list(counts)[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.2 * len(units) + 0.7))
    for i, unit in enumerate(units):
        left = 0.0
        for strand, (fill, hatch) in STRAND_STYLE.items():
            v = counts[unit].get(strand, 0) or 0
            ax.barh(i, v, left=left, color=fill, hatch=hatch, edgecolor=INK, linewidth=0.5)
            if v >= 4:
                ax.text(left + v / 2, i, plain(v), ha="center", va="center", fontsize=6.5,
                        color="white" if fill == INK else INK,
                        bbox=None if fill == INK else {"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"})
            left += v
        ax.text(left, i, f" {plain(left)}", va="center", fontsize=7)
    ax.set_yticks(range(len(units)), [f"▶ {u}" if u == focus else u for u in units])
    ax.set_xlabel("Disruptions weighted by impact in the quarter, by 4P strand")
    handles = [Patch(facecolor=f, hatch=h, edgecolor=INK, label=s.capitalize()) for s, (f, h) in STRAND_STYLE.items()]
    ax.legend(handles=handles, ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=7.5)
    ax.margins(x=0.08)
    return to_svg(fig)


def trend_lines(quarters: list[str], series: dict[str, list[float]], ylabel: str) -> str:
    """Quarterly trend, one marker shape and line style per series, each labelled at its end
    with its latest value (labels that would collide are stepped apart)."""
    styles = [("o", "-", INK), ("s", "--", MID), ("^", ":", INK), ("D", "-.", MID)]
    fig, ax = plt.subplots(figsize=(WIDTH, 2.0))
    top = max([v for vals in series.values() for v in vals if not missing(v)] + [1])
    placed: list[float] = []
    for (name, values), (marker, line, colour) in zip(series.items(), styles):
        ys = [None if missing(v) else v for v in values]
        ax.plot(range(len(quarters)), ys, marker=marker, linestyle=line, color=colour, markerfacecolor="white",
                linewidth=1.2)
        end = ys[-1] if ys[-1] is not None else 0
        step = sum(1 for p in placed if abs(p - end) < 0.08 * top)
        placed.append(end)
        ax.annotate(f"{name}: {plain(end)}", (len(quarters) - 1, end), xytext=(10, 10 * step), textcoords="offset points",
                    va="center", fontsize=7, arrowprops={"arrowstyle": "-", "color": LIGHT, "linewidth": 0.6})
    ax.set_xticks(range(len(quarters)), quarters)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, top * 1.3)
    ax.set_xlim(-0.3, len(quarters) + 1.6)
    return to_svg(fig)


def index_dots(rows: list[dict]) -> str:
    """Rate per 100,000 as an index of the network rate (network = 100): unit as a filled
    circle, peer median as an open square, on one axis whatever the metric's scale."""
    rows = rows[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.22 * len(rows) + 0.7))
    ax.axvline(100, color=MID, linestyle="--", linewidth=0.9)
    for i, row in enumerate(rows):
        unit, peer = row["unit_index"], row["peer_index"]
        if not missing(peer):
            ax.plot([min(unit, peer), max(unit, peer)], [i, i], color=LIGHT, linewidth=2, zorder=1)
            ax.plot(peer, i, marker="s", markerfacecolor="white", markeredgecolor=INK, linestyle="none", zorder=2)
        ax.plot(unit, i, marker="o", color=INK, linestyle="none", zorder=3)
        ax.annotate(plain(round(unit)), (unit, i), xytext=(0, 5), textcoords="offset points", ha="center", fontsize=6.5)
    ax.set_yticks(range(len(rows)), [r["label"] for r in rows])
    ax.set_xlabel("Rate per 100,000 population as an index of the network rate (network = 100)")
    handles = [plt.Line2D([], [], marker="o", color=INK, linestyle="none", label="this unit"),
               plt.Line2D([], [], marker="s", markerfacecolor="white", markeredgecolor=INK, linestyle="none",
                          label="peer-group median"),
               plt.Line2D([], [], color=MID, linestyle="--", label="network")]
    ax.legend(handles=handles, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    ax.margins(x=0.1)
    return to_svg(fig)


def owner_ranges(rows: list[dict]) -> str:
    """MoRiLE scores by owner: interquartile range as a bar, mean as a diamond, count written."""
    rows = rows[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.24 * len(rows) + 0.6))
    for i, row in enumerate(rows):
        is_unit = row["owner_type"] == "rocu"
        ax.barh(i, row["p75"] - row["p25"], left=row["p25"], height=0.5, color=MID if is_unit else PALE,
                hatch="///" if is_unit else "", edgecolor=INK, linewidth=0.5)
        ax.plot(row["mean"], i, marker="D", color="white", markeredgecolor=INK, linestyle="none")
        ax.text(max(row["p75"], row["mean"]) + 1, i, f" mean {row['mean']:.1f} (n={row['n']})", va="center",
                fontsize=7, fontweight="bold" if is_unit else "normal")
    ax.set_yticks(range(len(rows)), [r["label"] for r in rows])
    ax.set_xlabel("MoRiLE score of active OCGs: bar = middle half (25th to 75th percentile), diamond = mean")
    ax.set_xlim(0, 100)
    return to_svg(fig)


def paired_dots(pairs: dict[str, tuple[float, float]], labels: tuple[str, str], focus: str | None,
                xlabel: str) -> str:
    """Two figures per unit joined by a line (e.g. unit mean vs forces' mean)."""
    units = list(pairs)[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.19 * len(units) + 0.7))
    for i, unit in enumerate(units):
        a, b = pairs[unit]
        if unit == focus:
            ax.axhspan(i - 0.5, i + 0.5, color=PALE, zorder=0)
        if not missing(a) and not missing(b):
            ax.plot([a, b], [i, i], color=LIGHT, linewidth=2, zorder=1)
        if not missing(a):
            ax.plot(a, i, marker="o", color=INK, linestyle="none", zorder=3)
        if not missing(b):
            ax.plot(b, i, marker="s", markerfacecolor="white", markeredgecolor=INK, linestyle="none", zorder=3)
    ax.set_yticks(range(len(units)), [f"▶ {u}" if u == focus else u for u in units])
    ax.set_xlabel(xlabel)
    handles = [plt.Line2D([], [], marker="o", color=INK, linestyle="none", label=labels[0]),
               plt.Line2D([], [], marker="s", markerfacecolor="white", markeredgecolor=INK, linestyle="none",
                          label=labels[1])]
    ax.legend(handles=handles, ncols=2, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return to_svg(fig)


def stacked_rows(rows: list[str], parts: dict[str, list[float]], xlabel: str) -> str:
    """Horizontal stacked bars (e.g. Gateway requests accepted / declined / other by month),
    each part with its own fill and hatching, counts written inside wide enough segments."""
    styles = [(MID, "///"), ("white", "xx"), (PALE, "")]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.3 * len(rows) + 0.6))
    ys = list(range(len(rows)))[::-1]
    left = [0.0] * len(rows)
    totals = [sum(0 if missing(vals[i]) else vals[i] for vals in parts.values()) for i in range(len(rows))]
    widest = max(totals + [1])
    for (name, values), (fill, hatch) in zip(parts.items(), styles):
        vals = [0 if missing(v) else v for v in values]
        ax.barh(ys, vals, left=left, color=fill, hatch=hatch, edgecolor=INK, linewidth=0.5, height=0.6, label=name)
        for y, start, v in zip(ys, left, vals):
            if v and v >= 0.07 * widest:
                ax.text(start + v / 2, y, plain(v), ha="center", va="center", fontsize=7,
                        bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none"})
        left = [a + b for a, b in zip(left, vals)]
    for y, total in zip(ys, totals):
        ax.text(total, y, f" {plain(total)}", va="center", fontsize=7)
    ax.set_yticks(ys, rows)
    ax.set_xlabel(xlabel)
    ax.margins(x=0.08)
    ax.legend(ncols=len(parts), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    return to_svg(fig)


def value_strip(rows: list[dict]) -> str:
    """Scorecard: every unit's figure on each indicator, scaled from the network's worst
    (left) to best (right); the unit in focus as a large black diamond with its value beside it."""
    rows = rows[::-1]
    fig, ax = plt.subplots(figsize=(WIDTH, 0.16 * len(rows) + 0.45))
    for i, row in enumerate(rows):
        lo, hi, flip = row["low"], row["high"], row.get("lower_is_better", False)
        span = (hi - lo) or 1.0

        def x(v: float, lo: float = lo, hi: float = hi, span: float = span, flip: bool = flip) -> float:
            pos = (v - lo) / span if hi != lo else 0.5
            return 1 - pos if flip else pos

        ax.plot([0, 1], [i, i], color=PALE, linewidth=1, zorder=0)
        xs = [x(v) for v in row["values"] if not missing(v)]
        ax.plot(xs, [i] * len(xs), marker="o", markersize=4, color=LIGHT, linestyle="none", zorder=1)
        if not missing(row["median"]):
            ax.plot(x(row["median"]), i, marker="|", markersize=12, color=MID, linestyle="none", zorder=2)
        if not missing(row["focus"]):
            ax.plot(x(row["focus"]), i, marker="D", markersize=7, color=INK, linestyle="none", zorder=3)
            ax.annotate(row["focus_label"], (x(row["focus"]), i), xytext=(0, 6), textcoords="offset points",
                        ha="center", fontsize=7, fontweight="bold")
        left, right = (row["high_label"], row["low_label"]) if flip else (row["low_label"], row["high_label"])
        ax.text(-0.03, i, left, ha="right", va="center", fontsize=6.5, color=MID)
        ax.text(1.03, i, right, ha="left", va="center", fontsize=6.5, color=MID)
    ax.set_yticks(range(len(rows)), [r["label"] for r in rows])
    ax.set_xticks([])
    ax.set_xlim(-0.22, 1.22)
    ax.spines["bottom"].set_visible(False)
    ax.set_title("◆ this unit   ● other units   | network median   (left end: network worst, right end: best)",
                 fontsize=7.5, loc="left")
    return to_svg(fig)
