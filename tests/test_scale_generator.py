"""The scale generator grows a landing zone's returns as it grows the warehouse's: more versions of
each unit-month, the current one unchanged, each stored as the intake stores it."""

import polars as pl

from pipelines.demo.scale import grow_zone
from pipelines.intake.land.zone import LandingZone
from pipelines.orchestration.assets.raw_returns import ReturnsSlice, slice_filter, table_reads


def test_grown_zone_holds_factor_versions_of_each_loaded_one_and_the_newest_is_still_current(tmp_path):
    zone = LandingZone(tmp_path)
    (tmp_path / "standardised").mkdir()
    made = {}
    for unit, period, state in [("NEROCU", "2025-03", "accepted"), ("NEROCU", "2025-03", "accepted"),
                                ("NEROCU", "2025-03", "rejected"), ("EMSOU", "2025-03", "accepted")]:
        sub = zone.land(f"{unit} {period} {len(made)}\n".encode(), original_name="r.csv", rocu_code=unit,
                        period=period, submitted_by="lead")
        sub = zone.registry.record_verdict(sub.submission_id, [], state)
        if state == "accepted":
            pl.DataFrame({"rocu_code": [unit], "period": [period], "value": [float(sub.submission_id)],
                          "submission_id": [sub.submission_id]}).write_parquet(
                tmp_path / "standardised" / f"{sub.submission_id}.values.parquet")
        made[sub.submission_id] = sub
    zone.registry.approve(2, "approver", "2025-04-01T00:00:00+00:00")

    assert grow_zone(tmp_path, 3) == 3 * 3 + 1  # each accepted or superseded version three times, the rejected once
    ne = zone.registry.submissions("monthly", "NEROCU", "2025-03")
    assert [s.version for s in ne] == [1, 2, 3, 4, 5, 6, 9]  # a rejected version is not copied
    assert [(s.submission_id, s.state) for s in ne if s.submission_id in made] == [
        (1, "superseded"), (2, "accepted"), (3, "rejected")]  # the originals, renumbered: v1 3, v2 6, v3 9
    assert [s.version for s in ne if s.submission_id in made] == [3, 6, 9]
    copies = [s for s in ne if s.submission_id not in made]
    assert {s.state for s in copies} == {"superseded"} and len(copies) == 4
    assert [s.superseded_by for s in copies] == [1, 1, 2, 2]  # each below the original it copies
    approved = {a["submission_id"] for a in zone.registry.approvals()}
    assert approved == {2} | {s.submission_id for s in copies if s.superseded_by == 2}
    values = table_reads(zone, ReturnsSlice(unit="NEROCU", month="2025-03"),
                         slice_filter(ReturnsSlice(unit="NEROCU", month="2025-03")))[2]["return_values"].rows()
    assert sorted(values.select("submission_id", "value").rows()) == sorted(
        [(1, 1.0), (2, 2.0)] + [(s.submission_id, float(s.superseded_by)) for s in copies])
    assert grow_zone(tmp_path, 1) == 10  # a factor of one changes nothing
