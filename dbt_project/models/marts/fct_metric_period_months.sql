-- A unit's figure for a calendar quarter or financial year, month by month: each month's
-- figure with the current file and the number of cells it came from (empty for extract
-- metrics), and, for metrics summed over time, what the months add up to and whether that
-- is the period's figure (a check of the warehouse, shown to the reader).
with monthly as (
    select * from {{ ref('fct_metric_monthly') }}
),

metrics as (
    select * from {{ ref('dim_metric') }}
),

comparison as (
    select * from {{ ref('fct_metric_comparison') }}
),

current_cells as (
    select
        rocu_code,
        month,
        metric_id,
        count(*) as cells,
        any_value(original_name) as original_name,
        any_value(version) as version
    from {{ ref('fct_return_value_provenance') }}
    where is_current
    group by rocu_code, month, metric_id
),

months as (
    select
        monthly.rocu_code,
        monthly.metric_id,
        period.period_type,
        period.period,
        monthly.month,
        monthly.value,
        metrics.time_aggregation
    from monthly
    inner join metrics on monthly.metric_id = metrics.metric_id
    cross join lateral (
        values ('quarter', monthly.calendar_quarter), ('financial_year', monthly.financial_year)
    ) as period (period_type, period)
),

with_total as (
    select
        months.*,
        case when months.time_aggregation = 'sum' then sum(months.value) over (
            partition by months.rocu_code, months.metric_id, months.period_type, months.period
        ) end as months_total
    from months
),

final as (
    select
        with_total.rocu_code,
        with_total.metric_id,
        with_total.period_type,
        with_total.period,
        with_total.month,
        with_total.value,
        current_cells.cells,
        current_cells.original_name,
        current_cells.version,
        comparison.value as period_value,
        with_total.months_total,
        abs(with_total.months_total - comparison.value)
            <= greatest(1e-9, 1e-9 * abs(comparison.value)) as months_add_up
    from with_total
    inner join comparison
        on with_total.rocu_code = comparison.rocu_code
        and with_total.metric_id = comparison.metric_id
        and with_total.period_type = comparison.period_type
        and with_total.period = comparison.period
    left join current_cells
        on with_total.rocu_code = current_cells.rocu_code
        and with_total.month = current_cells.month
        and with_total.metric_id = current_cells.metric_id
)

select * from final
