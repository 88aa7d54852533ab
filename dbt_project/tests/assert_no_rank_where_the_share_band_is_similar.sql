-- The share funnel ranks as the count funnel does (issue 12): a place in the network's order
-- only outside the 95% limits over a whole period, never where the unit is similar to the
-- network or reported part of the period. Any row here would put noise in front of a reader.
select rocu_code, share_id, period_type, period, band_95, months_label
from {{ ref('fct_share_funnel') }}
where rank_shown is not null and (band_95 = 'similar' or is_part_period)
