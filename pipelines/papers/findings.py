"""Plain-English findings from figures: pure functions, one judgement each.

Every share goes through pipelines.serving.formats.share, so a base under ten is written "n of N" and
never as a bare percentage; every rate comparison is withheld when the count behind it
is too small to bear one.
"""

from __future__ import annotations

from pipelines.serving.formats import SMALL_BASE, amount, count, decimal, missing, pct, plain, rate, share, share_with_base

STRAND_NAMES = {"pursue": "Pursue", "prevent": "Prevent", "protect": "Protect", "prepare": "Prepare"}


def months(n: float, due: float) -> str:
    """'1 of 3 months' (months are always a small base)."""
    return f"{plain(n)} of {plain(due)} month{'' if due == 1 else 's'}"


def timeliness(unit: str, on_time: int, late: int, missing_: int, due: int, network_median: float | None) -> str:
    if due == 0:
        return f"No monthly return for {unit} was yet due in the quarter."
    parts = [f"{unit} returned {months(on_time, due)} on time"]
    if late:
        parts.append(f"{plain(late)} late")
    if missing_:
        parts.append(f"{plain(missing_)} missing or rejected")
    text = ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]
    if network_median is not None:
        text += f"; the network median is {plain(network_median)} of {plain(due)}"
    return text + "."


def all_strands(unit: str, due: int) -> str:
    return f"{unit} reported all four Ps (pursue, prevent, protect, prepare) in every month ({plain(due)} of {plain(due)})."


def strand_coverage(strand: str, months_with: int, due: int, network_median: float | None) -> str:
    """The board's favourite test of the 4Ps: in how many months was a strand reported at all."""
    text = f"{STRAND_NAMES.get(strand, strand)} outcomes were reported in {months(months_with, due)}"
    if network_median is not None:
        text += f"; the network median is {plain(network_median)} of {plain(due)}"
    return text + "."


def completeness(unit: str, reported: int, framework: int, network_median: float | None) -> str:
    text = f"{unit} reported {share(reported, framework)} of the framework's monthly-return metrics"
    if network_median is not None:
        text += f" (network median {plain(network_median)} of {plain(framework)})"
    return text + "."


def balance(unit: str, non_pursue: float | None, weighted: float | None, disruptions: int,
            share_pct: float | None, network_median_pct: float | None) -> str:
    """The 4P balance by substance (fct_board_quarterly's impact-weighted share outside pursue)."""
    if not disruptions:
        return f"{unit} recorded no counted disruption in the quarter, so its 4P balance cannot be judged."
    if disruptions < SMALL_BASE:
        return (f"Outside pursue (prevent, protect, prepare): {plain(non_pursue)} of {plain(weighted)} impact-weighted "
                f"disruptions ({plain(disruptions)} disruptions, a small base: not compared with the network).")
    text = (f"Outside pursue (prevent, protect, prepare): {pct(share_pct)} of {unit}'s disruptions weighted by impact "
            f"({plain(non_pursue)} of {plain(weighted)}, from {plain(disruptions)} disruptions)")
    if network_median_pct is not None:
        text += f"; the network median is {pct(network_median_pct)}"
    return text + "."


def data_quality(unit: str, rejected: int, files: int, errors: int, warnings: int,
                 previous_rejected: int | None) -> str:
    if not files:
        return f"{unit} submitted no files in the quarter."
    text = (f"{unit} submitted {plain(files)} file{'s' if files != 1 else ''}; "
            f"{share(rejected, files)} {'was' if 1 in (rejected, files) else 'were'} rejected, "
            f"with {plain(errors)} error{'s' if errors != 1 else ''} and {plain(warnings)} "
            f"warning{'s' if warnings != 1 else ''} raised")
    if previous_rejected is not None:
        if rejected > previous_rejected:
            text += f" (more rejections than the previous quarter's {plain(previous_rejected)})"
        elif rejected < previous_rejected:
            text += f" (fewer rejections than the previous quarter's {plain(previous_rejected)})"
    return text + "."


def outcome(unit: str, metric: str, value: float, per_100k: float | None, peer_median: float | None,
            national: float | None, measure: str = "count", pct_above_peers: float | None = None,
            base_label: str | None = None) -> str:
    """A rate beside its peers, or the count alone when the count is too small for a rate.

    pct_above_peers is fct_outcomes_quarterly.pct_above_peer_median (negative when below): within
    20% either way the unit is "close to its peers". base_label is the mart's population_base_label,
    naming the base's year and status ("per 100,000 population (mid-2024, provisional)")."""
    if missing(value) or (measure == "count" and value < SMALL_BASE):
        return (f"{metric}: {count(value)} in the quarter, too few to compare fairly as a rate "
                f"(fewer than {SMALL_BASE}).")
    if missing(base_label) or not base_label:
        text = f"{metric}: {rate(per_100k, measure)} per 100,000 population ({amount(value, measure)} in the quarter)"
    else:
        text = f"{metric}: {rate(per_100k, measure)} {base_label}, {amount(value, measure)} in the quarter"
    comparisons = []
    if not missing(peer_median) and peer_median:
        comparisons.append(f"peer median {rate(peer_median, measure)}")
    if not missing(national) and national:
        comparisons.append(f"network {rate(national, measure)}")
    if comparisons:
        text += "; " + ", ".join(comparisons)
    if not missing(peer_median) and peer_median and not missing(pct_above_peers):
        if pct_above_peers >= 20:
            text += f" – {pct(pct_above_peers)} above its peers"
        elif pct_above_peers <= -20:
            text += f" – {pct(-pct_above_peers)} below its peers"
        else:
            text += " – close to its peers"
    return text + "."


def threat(unit: str, rocu_mean: float | None, rocu_ocgs: int, forces_mean: float | None, forces_ocgs: int,
           rocu_high: int, forces_high: int) -> str:
    if not rocu_ocgs and not forces_ocgs:
        return f"No active OCGs are recorded for {unit} or its forces."
    text = (f"{unit}'s {plain(rocu_ocgs)} active OCGs have a mean MoRiLE score of {decimal(rocu_mean)}; "
            f"its forces' {plain(forces_ocgs)} average {decimal(forces_mean)}")
    if not missing(rocu_mean) and not missing(forces_mean):
        if forces_mean > rocu_mean:
            text += ": the forces keep higher-threat groups than the unit, as the inspection warned"
        else:
            text += ": the unit holds the higher-threat groups"
    text += (f". In the high band: {share(rocu_high, rocu_ocgs)} of the unit's OCGs and "
             f"{share(forces_high, forces_ocgs)} of the forces'.")
    return text


def tasking(unit: str, meetings: int, network_median: float | None, longest_gap: float | None,
            over_eight_weeks: bool = False) -> str:
    """over_eight_weeks is fct_board_quarterly.has_tasking_gap_over_eight_weeks (the rule lives in dbt)."""
    held = "no regional tasking meeting" if not meetings else \
        f"{plain(meetings)} regional tasking meeting{'s' if meetings != 1 else ''}"
    text = f"{unit} held {held} in the quarter"
    if network_median is not None:
        text += f" (network median {plain(network_median)})"
    if not missing(longest_gap):
        text += f"; the longest gap between meetings was {plain(longest_gap)} days"
        if over_eight_weeks:
            text += ", more than eight weeks"
    return text + "."


def gateway(unit: str, received: int, accepted: int, declined: int) -> str:
    if not received:
        return f"{unit} received no Gateway requests from its forces in the quarter."
    return (f"Forces sent {unit} {plain(received)} Gateway request{'s' if received != 1 else ''}: "
            f"{share(accepted, received)} accepted, {plain(declined)} declined.")


def capacity(unit: str, vacancy_pct: float | None, establishment: float, fixed_term_pct: float | None,
             network_vacancy: float | None, network_fixed_term: float | None) -> str:
    text = (f"At the end of the quarter {pct(vacancy_pct)} of {unit}'s establishment of "
            f"{decimal(establishment)} FTE was vacant (network median {pct(network_vacancy)}), and "
            f"{pct(fixed_term_pct)} of staff in post were on fixed-term posts (network median {pct(network_fixed_term)})")
    return text + "."


def departures(unit: str, unmapped_labels: int, not_reported: int, never_reported: int, framework: int) -> str:
    if unmapped_labels:
        text = (f"{plain(unmapped_labels)} local label{'s' if unmapped_labels != 1 else ''} in {unit}'s returns "
                "mapped to no framework metric")
    else:
        text = f"Every local label in {unit}'s returns mapped to a framework metric"
    text += f"; {share(not_reported, framework)} of the framework's metrics were not reported in the quarter"
    if never_reported:
        text += f", {plain(never_reported)} of them never reported at all"
    return text + "."


def revisions(subject: str, revised: int, months_affected: int, largest: str | None) -> str:
    if not revised:
        return f"No figure for {subject} has changed since it was first submitted: earlier papers still stand."
    text = (f"{plain(revised)} figure{'s' if revised != 1 else ''} for {subject} changed after first submission, "
            f"across {plain(months_affected)} month{'s' if months_affected != 1 else ''}")
    if largest:
        text += f"; the largest change was {largest}"
    return text + ". Earlier papers that quoted the first figures should be read with this in mind."


def revisions_since_paper(subject: str, changed: int, issued: str, build_id: str) -> str:
    if not changed:
        return (f"No figure for {subject} has changed since the paper issued to this board on {issued} "
                f"(warehouse build {build_id[:8]}).")
    return (f"{plain(changed)} figure{'s' if changed != 1 else ''} for {subject} changed since the paper issued to "
            f"this board on {issued} (warehouse build {build_id[:8]}); each is listed under Revisions.")


def partial_quarter(quarter: str, ended: int) -> str:
    return (f"Only {months(ended, 3)} of {quarter} had ended when the warehouse was built: every figure for the "
            "quarter is partial and will change.")


def leavers(unit: str, n: int) -> str:
    return f"{'No member' if not n else plain(n) + (' member' if n == 1 else ' members')} of staff left {unit} during the quarter."


def network_count(what: str, n: int, of: int) -> str:
    """'7 of 9 units returned every month on time.' Nine units are a small base: never a percentage."""
    return f"{plain(n)} of {plain(of)} units {what}."


def effort_index(unit: str, year: str, months_: int, index: float | None, widest_area: str | None,
                 widest_gap: float | None) -> str:
    """The effort-follows-threat index described, with the area that parts most (the comparison: index_against_network)."""
    period = f"In {year} ({months(months_, 12)} on the OCG ledger)"
    if missing(index):
        return f"{period} {unit} has no effort-follows-threat index: it held no high-band threat or led no effort."
    text = f"{period} {unit}'s effort-follows-threat index was {index:.0f} of 100"
    if not missing(widest_area) and not missing(widest_gap):
        side = "above" if widest_gap > 0 else "below"
        text += f"; effort parts most from threat in {widest_area} ({abs(widest_gap):.0f} points {side} its threat share)"
    return text + "."


BAND_WORDS = {"higher": "higher than the network's", "lower": "lower than the network's",
              "similar": "similar to the network's"}


def index_against_network(unit: str, index: float | None, lower: float | None, upper: float | None,
                          is_small: bool, groups: int, effort: int, network: float | None, band: str | None) -> str:
    """The index against the network's on its 95% interval, or its small base (shown, not compared)."""
    if missing(index):
        return f"{unit}'s index cannot be compared: there is none."
    base = f"{plain(groups)} high-band groups and {plain(effort)} operations and disruptions"
    if is_small:
        return (f"{unit}'s index rests on a small base ({base}; 95% interval {lower:.0f} to {upper:.0f}): "
                "it is not compared with the network.")
    if missing(band) or missing(network):
        return f"{unit}'s index has no network to compare with."
    return (f"{unit}'s index of {index:.0f} (95% interval {lower:.0f} to {upper:.0f}, on {base}) is "
            f"{BAND_WORDS[band]} {network:.0f}.")


def network_index(bands: dict[str, str], network: float) -> str:
    """How many units' index is similar to the network's; who differs; who has too small a base."""
    compared = {u: b for u, b in bands.items() if b != "small base"}
    similar = [u for u, b in compared.items() if b == "similar"]
    parts = [f"{plain(len(similar))} of {plain(len(compared))} units compared have an effort-follows-threat index "
             f"similar to the network's {network:.0f}"]
    for band in ("higher", "lower"):
        units = [u for u, b in compared.items() if b == band]
        if units:
            parts.append(f"{band}: {', '.join(units)}")
    small = [u for u, b in bands.items() if b == "small base"]
    if small:
        parts.append(f"too small a base to compare: {', '.join(small)}")
    return "; ".join(parts) + " (95% intervals)."


def effort_on_priorities(unit: str, on_priority: int, operations: int, share_pct: float | None, is_small: bool,
                         network_pct: float, band: str) -> str:
    """The share of a unit's operations on priority areas, banded against the network's (95% limits)."""
    shown = share_with_base(on_priority, operations, share_pct, is_small, "operations")
    return (f"Of the operations {unit} led, {shown} were on national or regional priority areas: "
            f"{BAND_WORDS[band]} {network_pct:.0f}% (95% limits).")


def priorities_without_operation(unit: str, areas: list[str]) -> str:
    if not areas:
        return f"Every priority area of {unit} had an operation."
    return f"{plain(len(areas))} priority area{'' if len(areas) == 1 else 's'} of {unit} had no operation: " \
           f"{', '.join(areas)}."


def departures_from_national(unit: str, departures: list[str]) -> str:
    if not departures:
        return f"{unit}'s regional priorities agree with the national ones."
    return f"{unit}'s regional assessment departs from the national one in {', '.join(departures)}."


def network_on_priorities(bands: dict[str, str], network_pct: float) -> str:
    """How many units' share of operations on priorities is similar to the network's; who differs."""
    similar = [u for u, b in bands.items() if b == "similar"]
    parts = [f"{plain(len(similar))} of {plain(len(bands))} units put a share of their operations on priority "
             f"areas similar to the network's {network_pct:.0f}%"]
    for band in ("higher", "lower"):
        units = [u for u, b in bands.items() if b == band]
        if units:
            parts.append(f"{band}: {', '.join(units)}")
    return "; ".join(parts) + " (95% limits)."
