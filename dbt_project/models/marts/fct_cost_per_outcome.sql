-- Spend per outcome, for the outcomes seeds/framework/cost_outcomes.csv costs (disruptions,
-- arrests, charges, investigations led; not money, weights, lagging or single-strand outcomes, for
-- the reasons the seed gives). Spend is the quarter's spend in the unit's current resources
-- return, spread evenly over the quarter's three months; a month counts only when the unit
-- reported the outcome and returned its spend, so spend and outcomes always cover the same
-- months. Periods: calendar and financial quarters and financial years (a month alone is too
-- short for spend). A period with months missing is marked (months_label "7 of 12 months"), a
-- small count is marked, and there is no rank: the network figure (the units' summed spend over
-- their summed outcomes, never a mean of unit costs) is shown beside each unit.
with costed as (
    select metric_id from {{ ref('cost_outcomes') }} where costed
),

months as (
    select * from {{ ref('dim_month') }}
),

spend as (
    select rocu_code, quarter as fy_quarter, sum(value) as spend_gbp
    from {{ ref('int_resource_values__current') }}
    where section = 'spend'
    group by rocu_code, quarter
),

outcomes as (
    select monthly.rocu_code, monthly.metric_id, monthly.month, monthly.value
    from {{ ref('fct_metric_monthly') }} as monthly
    inner join costed on monthly.metric_id = costed.metric_id
    where monthly.value is not null
),

matched as (
    select
        outcomes.rocu_code,
        outcomes.metric_id,
        outcomes.month,
        outcomes.value,
        spend.spend_gbp / 3.0 as spend_gbp,
        months.calendar_quarter,
        months.financial_quarter,
        months.financial_year
    from outcomes
    inner join months on outcomes.month = months.month
    inner join spend on outcomes.rocu_code = spend.rocu_code and months.fy_quarter = spend.fy_quarter
),

by_period as (
    select
        matched.rocu_code,
        matched.metric_id,
        period.period_type,
        period.period,
        any_value(period.months_in_period) as months_in_period,
        count(distinct matched.month) as months_matched,
        sum(matched.value) as outcomes,
        sum(matched.spend_gbp) as spend_gbp
    from matched
    cross join lateral {{ month_periods('matched') }}
    where period.period_type <> 'month'
    group by all
),

network as (
    select
        metric_id,
        period_type,
        period,
        count(*) as units_included,
        count(*) filter (where months_matched < months_in_period) as units_part_period,
        sum(spend_gbp) as network_spend_gbp,
        sum(outcomes) as network_outcomes
    from by_period
    group by metric_id, period_type, period
),

final as (
    select
        by_period.rocu_code,
        by_period.metric_id,
        by_period.period_type,
        by_period.period,
        by_period.months_in_period,
        by_period.months_matched,
        by_period.months_matched < by_period.months_in_period as is_part_period,
        by_period.months_matched::varchar || ' of ' || by_period.months_in_period::varchar || ' months'
            as months_label,
        round(by_period.spend_gbp, 0) as spend_gbp,
        by_period.outcomes,
        case when by_period.outcomes > 0 then round(by_period.spend_gbp / by_period.outcomes, 0) end
            as cost_per_outcome_gbp,
        by_period.outcomes < {{ var('cost_small_count', 10) }} as is_small_count,
        network.units_included,
        network.units_part_period,
        round(network.network_spend_gbp, 0) as network_spend_gbp,
        network.network_outcomes,
        case when network.network_outcomes > 0
            then round(network.network_spend_gbp / network.network_outcomes, 0) end
            as network_cost_per_outcome_gbp
    from by_period
    inner join network
        on by_period.metric_id = network.metric_id
        and by_period.period_type = network.period_type
        and by_period.period = network.period
)

select * from final
