-- The network's figure for each metric and period (month, calendar quarter, financial
-- year): one row each, taken from the national columns of fct_metric_comparison (where
-- the network rule lives), with the newest population estimate any reporting unit's rate used
-- and the bases the network rates are on (label with year or date and status). A period some
-- units had no figure for is a part of the network (is_part_network), marked on trend charts.
-- A disruption two units count is in each unit's figure but once in the network's
-- (counted_by_more_than_one_unit says how many, so a page can footnote the difference).
with comparison as (
    select * from {{ ref('fct_metric_comparison') }}
),

rocus as (
    select count(*) as units_in_network from {{ ref('dim_rocu') }}
),

final as (
    select
        metric_id,
        period_type,
        period,
        any_value(months_in_period) as months_in_period,
        any_value(units_reporting) as units_reporting,
        any_value(national_value) as national_value,
        any_value(national_numerator) as national_numerator,
        any_value(national_denominator) as national_denominator,
        any_value(national_counted_by_more_than_one_unit) as counted_by_more_than_one_unit,
        any_value(national_population) as national_population,
        any_value(national_officer_fte) as national_officer_fte,
        any_value(national_per_100k) as national_per_100k,
        any_value(national_per_officer) as national_per_officer,
        any_value(national_officer_rate) as national_officer_rate,
        max(population_year) as population_year,
        any_value(national_population_base_label) as population_base_label,
        any_value(national_officer_base_label) as officer_base_label
    from comparison
    group by metric_id, period_type, period
)

select
    final.*,
    rocus.units_in_network,
    final.units_reporting < rocus.units_in_network as is_part_network
from final
cross join rocus
