-- A unit's figure split by its forces, per month, calendar quarter and financial year,
-- from the current version of each return. Only metrics returned per force and summed over
-- time are split: the split of an average or a snapshot does not add up to the unit's figure.
-- Each force's share is of the forces' total (cells given for the unit as a whole are not in it).
with cells as (
    select * from {{ ref('fct_return_value_provenance') }}
    where is_current and force_code is not null
),

metrics as (
    select * from {{ ref('dim_metric') }}
    where reported_by = 'force' and time_aggregation = 'sum'
),

months as (
    select * from {{ ref('dim_month') }}
),

forces as (
    select distinct force_code, force_name from {{ ref('dim_force') }}
),

periods as (
    select
        cells.rocu_code,
        cells.metric_id,
        cells.force_code,
        cells.month,
        cells.value,
        period.period_type,
        period.period
    from cells
    inner join metrics on cells.metric_id = metrics.metric_id
    inner join months on cells.month = months.month
    cross join lateral (
        values
            ('month', months.month),
            ('quarter', months.calendar_quarter),
            ('financial_year', months.financial_year)
    ) as period (period_type, period)
),

by_force as (
    select
        rocu_code,
        metric_id,
        period_type,
        period,
        force_code,
        sum(value) as value,
        count(distinct month) as months_with_split
    from periods
    group by all
),

final as (
    select
        by_force.rocu_code,
        by_force.metric_id,
        by_force.period_type,
        by_force.period,
        by_force.force_code,
        forces.force_name,
        by_force.value,
        by_force.months_with_split,
        sum(by_force.value) over (
            partition by by_force.rocu_code, by_force.metric_id, by_force.period_type, by_force.period
        ) as forces_total,
        100.0 * by_force.value / nullif(sum(by_force.value) over (
            partition by by_force.rocu_code, by_force.metric_id, by_force.period_type, by_force.period
        ), 0) as share_of_forces_total_pct
    from by_force
    left join forces on by_force.force_code = forces.force_code
)

select * from final
