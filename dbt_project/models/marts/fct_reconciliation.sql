-- Where figures that should agree disagree: one row per check, unit, month and metric with
-- both sides, the difference, its size relative to the reference side, and whether it is
-- above the check's threshold (seed reconciliation_checks), in which case the figure needs a
-- query to the unit (needs_query; raising it is the query store's job, not this model's).
-- The checks: a return's disruption or OCG figure against the extract's (only where a return
-- carries one); a unit's total against the sum of its force rows on the same return; a figure
-- in its current version against the accepted version before it.
with checks as (
    select * from {{ ref('reconciliation_checks') }}
),

metrics as (
    select * from {{ ref('dim_metric') }}
),

cells as (
    select * from {{ ref('fct_return_value_provenance') }}
    where is_current
),

extract_values as (
    select rocu_code, month, metric_id, sum(value) as value
    from {{ ref('int_metric_values__from_extracts') }}
    group by all
),

versions as (
    select * from {{ ref('fct_metric_versions') }}
),

-- a figure of an extract's metric written on a return, against the extract's own figure
returned_extract_figures as (
    select
        checks.check_code,
        cells.rocu_code,
        cells.month,
        cells.metric_id,
        sum(cells.value) as reported_value,
        any_value(metrics.time_aggregation) as time_aggregation,
        null::bigint as reported_version,
        null::bigint as reference_version
    from cells
    inner join metrics on cells.metric_id = metrics.metric_id
    inner join checks on metrics.source = checks.catalogue_source
    group by all
),

return_vs_extract as (
    select
        returned.check_code,
        returned.rocu_code,
        returned.month,
        returned.metric_id,
        returned.reported_value,
        -- an extract of records holds no row for a month without any: a summed count is then zero
        case when returned.time_aggregation = 'sum' then coalesce(extract_values.value, 0)
            else extract_values.value end as reference_value,
        returned.reported_version,
        returned.reference_version
    from returned_extract_figures as returned
    left join extract_values
        on returned.rocu_code = extract_values.rocu_code
        and returned.month = extract_values.month
        and returned.metric_id = extract_values.metric_id
),

unit_total_vs_force_split as (
    select
        'unit_total_vs_force_split' as check_code,
        rocu_code,
        month,
        metric_id,
        sum(value) filter (where force_code is null) as reported_value,
        sum(value) filter (where force_code is not null) as reference_value,
        null::bigint as reported_version,
        null::bigint as reference_version
    from cells
    group by rocu_code, month, metric_id
    having count(*) filter (where force_code is null) > 0 and count(*) filter (where force_code is not null) > 0
),

current_figures as (
    select rocu_code, month, metric_id, version, cells_total
    from versions
    where is_current
),

-- each current figure against the latest earlier version holding the metric: a join and an
-- aggregate, not a window sorting every version of every figure (which grows with history)
figure_versions as (
    select
        'figure_versions' as check_code,
        current_figures.rocu_code,
        current_figures.month,
        current_figures.metric_id,
        any_value(current_figures.cells_total) as reported_value,
        arg_max_null(earlier.cells_total, earlier.version) as reference_value,  -- a null total too, as lag()
        current_figures.version as reported_version,
        max(earlier.version) as reference_version
    from current_figures
    inner join versions as earlier
        on current_figures.rocu_code = earlier.rocu_code
        and current_figures.month = earlier.month
        and current_figures.metric_id = earlier.metric_id
        and current_figures.version > earlier.version
    group by current_figures.rocu_code, current_figures.month, current_figures.metric_id, current_figures.version
),

compared as (
    select * from return_vs_extract
    union all
    select * from unit_total_vs_force_split
    union all
    select * from figure_versions
),

measured as (
    select
        compared.*,
        compared.reported_value - compared.reference_value as difference,
        abs(compared.reported_value - compared.reference_value) as absolute_difference,
        100.0 * abs(compared.reported_value - compared.reference_value)
        / nullif(abs(compared.reference_value), 0) as relative_difference_pct
    from compared
),

final as (
    select
        measured.check_code,
        checks.check_name,
        measured.rocu_code,
        measured.month,
        measured.metric_id,
        metrics.metric_name,
        metrics.unit,
        checks.reported_side,
        checks.reference_side,
        measured.reported_value,
        measured.reference_value,
        measured.reported_version,
        measured.reference_version,
        measured.difference,
        measured.absolute_difference,
        measured.relative_difference_pct,
        measured.difference = 0 as agrees,
        checks.min_absolute_difference,
        checks.min_relative_difference_pct,
        coalesce(
            measured.absolute_difference >= checks.min_absolute_difference
            and (measured.relative_difference_pct is null
                or measured.relative_difference_pct >= checks.min_relative_difference_pct),
            false
        ) as is_above_threshold
    from measured
    inner join checks on measured.check_code = checks.check_code
    inner join metrics on measured.metric_id = metrics.metric_id
)

select
    *,
    is_above_threshold as needs_query
from final
