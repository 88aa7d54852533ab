-- The events behind fct_ocg_disruption_effect, for the drill-through: each group month with a
-- major or moderate disruption and each horizon (3 and 6 months), with the group's score change
-- and the undisrupted groups it is set against (the macro disruption_effect_events, the rules'
-- one home). An event with no comparison group is listed and marked; the effect leaves it out.
with {{ disruption_effect_events() }}

select
    events.rocu_code,
    events.ocg_ref,
    events.month,
    events.threat_area_code,
    threat_areas.threat_area_name,
    events.morile_band,
    events.months_after,
    events.score_change,
    coalesce(events.comparison_groups, 0) as comparison_groups,
    round(events.comparison_mean_change, 2) as comparison_mean_change,
    events.comparison_groups is not null as is_matched
from events
left join threat_areas on events.threat_area_code = threat_areas.threat_area_code
