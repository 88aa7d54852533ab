-- One row per unit, month and framework metric: the figure every comparison starts from.
-- Force splits are summed to the unit; ratios are recomputed from their numerator and
-- denominator, never averaged (a return's shares get theirs in int_metric_values__with_bases).
with from_returns as (
    select
        rocu_code,
        month,
        metric_id,
        force_code,
        value,
        value_as_first_submitted,
        numerator,
        denominator,
        submission_id,
        file_sha256,
        source_cells,
        'monthly_return' as source
    from {{ ref('int_metric_values__with_bases') }}
),

from_extracts as (
    select
        rocu_code,
        month,
        metric_id,
        force_code,
        value,
        value as value_as_first_submitted,
        numerator,
        denominator,
        null::bigint as submission_id,
        null as file_sha256,
        null as source_cells,
        'extract' as source
    from {{ ref('int_metric_values__from_extracts') }}
),

all_values as (
    select * from from_returns
    union all
    select * from from_extracts
),

metrics as (
    select * from {{ ref('dim_metric') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

per_unit as (
    select
        all_values.rocu_code,
        all_values.month,
        all_values.metric_id,
        case
            when metrics.space_aggregation = 'mean' then avg(all_values.value)
            -- a share over several rows is its summed numerator over its summed denominator
            when metrics.space_aggregation = 'ratio' and count(*) > 1
                then 100.0 * sum(all_values.numerator) / nullif(sum(all_values.denominator), 0)
            else sum(all_values.value)
        end as value,
        case when metrics.space_aggregation = 'mean' then avg(all_values.value_as_first_submitted)
            else sum(all_values.value_as_first_submitted) end as value_as_first_submitted,
        sum(all_values.numerator) as numerator,
        sum(all_values.denominator) as denominator,
        count(all_values.force_code) > 0 as has_force_split,
        any_value(all_values.submission_id) as submission_id,
        any_value(all_values.file_sha256) as file_sha256,
        -- ordered, so a rebuild of the same data gives the same text
        string_agg(all_values.source_cells, ', ' order by all_values.force_code nulls first, all_values.source_cells)
            as source_cells,
        any_value(all_values.source) as source
    from all_values
    inner join metrics on all_values.metric_id = metrics.metric_id
    group by all_values.rocu_code, all_values.month, all_values.metric_id, metrics.space_aggregation
),

final as (
    select
        per_unit.rocu_code,
        per_unit.month,
        months.calendar_quarter,
        months.financial_year,
        months.financial_quarter,
        per_unit.metric_id,
        metrics.strand_code,
        metrics.threat_area_code,
        metrics.unit,
        per_unit.value,
        per_unit.value_as_first_submitted,
        (per_unit.value is distinct from per_unit.value_as_first_submitted) as is_revised,
        per_unit.numerator,
        per_unit.denominator,
        per_unit.has_force_split,
        per_unit.source,
        per_unit.submission_id,
        per_unit.file_sha256,
        per_unit.source_cells
    from per_unit
    inner join metrics on per_unit.metric_id = metrics.metric_id
    inner join months on per_unit.month = months.month
)

select * from final
