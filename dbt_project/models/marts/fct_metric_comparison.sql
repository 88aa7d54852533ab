-- Fair comparison of units: each figure per 100,000 population and per police officer,
-- the unit's rank in the network, the median of its peer group and the national figure,
-- with the base (numerator and denominator) beside every rate. Rates are given only for
-- additive figures (counts, money, weights, years); percentages and scores compare as they are.
-- Every rate names its base, the base's year or date and its status (population_base_label,
-- officer_base_label), taken at the period's last month; *_base_changed marks the period whose
-- base differs from the previous period's (decided in fct_metric_rates), where trends draw it.
-- A disruption two units count (each did the work) is counted once by the network: the national
-- figures take int_metric_values__network_duplicates off the units' sum, and say how many.
with by_period as (
    select * from {{ ref('int_metric_values__by_period') }}
),

metrics as (
    select * from {{ ref('dim_metric') }}
),

denominators as (
    select * from {{ ref('int_unit_denominators_monthly') }}
),

officer_scale as (
    -- The scale a rate per officer is read at (per 100 officers), from seeds/framework/rate_scales.csv.
    select per as officer_scale_per from {{ ref('rate_scales') }} where base_code = 'officers'
),

months as (
    select month, financial_year from {{ ref('dim_month') }}
),

network_duplicates as (
    select * from {{ ref('int_metric_values__network_duplicates') }}
),

base_changes as (
    -- Where the base changed between two periods of a unit's series is decided once, in fct_metric_rates.
    select
        rocu_code,
        metric_id,
        period_type,
        period,
        bool_or(base_changed) filter (where base_code = 'population') as population_base_changed,
        bool_or(base_changed) filter (where base_code = 'officers') as officers_base_changed
    from {{ ref('fct_metric_rates') }}
    group by rocu_code, metric_id, period_type, period
),

peer_groups as (
    -- The default grouping's group of each unit and financial year (dim_unit_peer_group, where the
    -- grouping rules live); fct_metric_peer_comparison gives the medians of every grouping.
    select * from {{ ref('dim_unit_peer_group') }} where is_default_grouping
),

with_base as (
    select
        by_period.*,
        metrics.unit,
        metrics.higher_is_better,
        metrics.space_aggregation,
        metrics.is_rateable,
        denominators.population,
        denominators.population_year,
        denominators.population_as_at,
        denominators.population_status,
        denominators.population_is_approximate,
        denominators.population_base_label,
        denominators.officer_fte,
        denominators.officers_as_at,
        denominators.officers_status,
        denominators.officers_base_label as officer_base_label,
        months.financial_year as peer_group_year,
        peer_groups.grouping_code as peer_grouping_code,
        peer_groups.peer_group_code as peer_group_id,
        peer_groups.peer_group_name,
        peer_groups.peer_group_label,
        coalesce(peer_groups.is_grouped, false) as peer_is_grouped,
        officer_scale.officer_scale_per
    from by_period
    inner join metrics on by_period.metric_id = metrics.metric_id
    left join denominators on by_period.rocu_code = denominators.rocu_code and by_period.last_month = denominators.month
    left join months on by_period.last_month = months.month
    left join peer_groups
        on by_period.rocu_code = peer_groups.rocu_code
        and months.financial_year = peer_groups.financial_year
    cross join officer_scale
),

rates as (
    select
        *,
        case when is_rateable then 100000.0 * value / population end as per_100k_population,
        case when is_rateable then value / officer_fte end as per_officer,
        case when is_rateable then officer_scale_per * value / officer_fte end as officer_rate
    from with_base
),

units_summed as (
    select
        metric_id,
        period_type,
        period,
        count(*) as units_reporting,
        any_value(space_aggregation) as space_aggregation,
        {{ exact_sum('value') }} as summed_value,
        {{ exact_avg('value') }} as mean_value,
        {{ exact_sum('numerator') }} as summed_numerator,
        {{ exact_sum('denominator') }} as summed_denominator,
        sum(population)::bigint as national_population,
        {{ exact_sum('officer_fte') }} as national_officer_fte,
        -- the newest base any reporting unit used, a flagged status before a published one
        arg_max(population_base_label, (population_as_at, population_status <> 'published'))
            as national_population_base_label,
        arg_max(officer_base_label, (officers_as_at, officers_status <> 'published')) as national_officer_base_label,
        any_value(officer_scale_per) as officer_scale_per
    from rates
    group by all
),

national as (
    select
        units_summed.metric_id,
        units_summed.period_type,
        units_summed.period,
        units_summed.units_reporting,
        -- a share is the units' summed numerators over their summed denominators, never a mean of shares;
        -- a disruption two units count is taken off once (network_duplicates)
        case units_summed.space_aggregation
            when 'sum' then units_summed.summed_value - coalesce(network_duplicates.counted_by_more_than_one_unit, 0)
            when 'ratio' then 100.0
                * (units_summed.summed_numerator - coalesce(network_duplicates.with_narrative, 0))
                / nullif(
                    units_summed.summed_denominator - coalesce(network_duplicates.counted_by_more_than_one_unit, 0), 0
                )
            else units_summed.mean_value
        end as national_value,
        units_summed.summed_numerator - coalesce(network_duplicates.with_narrative, 0) as national_numerator,
        units_summed.summed_denominator - coalesce(network_duplicates.counted_by_more_than_one_unit, 0)
            as national_denominator,
        coalesce(network_duplicates.counted_by_more_than_one_unit, 0) as national_counted_by_more_than_one_unit,
        case
            when units_summed.space_aggregation = 'ratio' then coalesce(network_duplicates.with_narrative, 0) else 0
        end as national_numerator_counted_by_more_than_one_unit,
        units_summed.national_population,
        units_summed.national_officer_fte,
        units_summed.national_population_base_label,
        units_summed.national_officer_base_label,
        units_summed.officer_scale_per
    from units_summed
    left join network_duplicates
        on units_summed.metric_id = network_duplicates.metric_id
        and units_summed.period_type = network_duplicates.period_type
        and units_summed.period = network_duplicates.period
),

final as (
    select
        rates.rocu_code,
        rates.metric_id,
        rates.period_type,
        rates.period,
        rates.months_in_period,
        rates.months_reported,
        rates.unit,
        rates.value,
        rates.value_as_first_submitted,
        rates.numerator,
        rates.denominator,
        rates.population,
        rates.population_year,
        rates.population_as_at,
        rates.population_status,
        rates.population_is_approximate,
        rates.officer_fte,
        rates.officers_as_at,
        rates.officers_status,
        rates.per_100k_population,
        rates.per_officer,
        rates.population_base_label,
        rates.officer_base_label,
        coalesce(base_changes.population_base_changed, false) as population_base_changed,
        coalesce(base_changes.officers_base_changed, false) as officers_base_changed,
        national.units_reporting,
        rates.peer_group_year,
        rates.peer_grouping_code,
        rates.peer_group_id,
        rates.peer_group_name,
        rates.peer_group_label,
        rates.peer_is_grouped,
        {{ peer_median_columns('rates', 'peer_group_id', 'peer_is_grouped') }},
        national.national_value,
        national.national_numerator,
        national.national_denominator,
        national.national_counted_by_more_than_one_unit,
        national.national_numerator_counted_by_more_than_one_unit,
        national.national_population,
        national.national_officer_fte,
        case when rates.is_rateable then 100000.0 * national.national_value / national.national_population end
            as national_per_100k,
        case when rates.is_rateable then national.national_value / national.national_officer_fte end
            as national_per_officer,
        national.national_population_base_label,
        national.national_officer_base_label,
        rates.officer_rate,
        case when rates.is_rateable
            then national.officer_scale_per * national.national_value / national.national_officer_fte end
            as national_officer_rate
    from rates
    inner join national
        on rates.metric_id = national.metric_id
        and rates.period_type = national.period_type
        and rates.period = national.period
    left join base_changes
        on rates.rocu_code = base_changes.rocu_code
        and rates.metric_id = base_changes.metric_id
        and rates.period_type = base_changes.period_type
        and rates.period = base_changes.period
)

select * from final
