-- A place in the network's order is shown only where it means something (issue 12): never
-- where the unit is similar to the network, never on a part period. Pages and papers show
-- fct_metric_funnel.rank_shown (through fct_outcomes_quarterly for the papers), so any row
-- here would put noise in front of a reader.
select 'fct_metric_funnel' as model, rocu_code, metric_id, period, base_name as detail
from {{ ref('fct_metric_funnel') }}
where rank_shown is not null and (band_95 = 'similar' or is_part_period)
union all
select 'fct_outcomes_quarterly', rocu_code, metric_id, quarter, band_95
from {{ ref('fct_outcomes_quarterly') }}
where rank_shown is not null and (band_95 = 'similar' or months_reported < months_in_period)
