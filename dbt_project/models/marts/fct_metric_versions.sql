-- Every accepted version of a unit's return for a month, per metric: the file it came in,
-- whether the warehouse uses it now, how many cells it gave the metric and what they add
-- up to. The drill-through's "versions and files" of one month's figure.
with cells as (
    select * from {{ ref('fct_return_value_provenance') }}
),

final as (
    select
        rocu_code,
        month,
        metric_id,
        submission_id,
        version,
        original_name,
        file_sha256,
        is_current,
        is_first_accepted,
        min(submitted_at) as submitted_at,
        count(*) as cells,
        sum(value) as cells_total
    from cells
    group by rocu_code, month, metric_id, submission_id, version, original_name, file_sha256, is_current,
        is_first_accepted
)

select * from final
