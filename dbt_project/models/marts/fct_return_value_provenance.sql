-- Every value of every accepted version of every return, traced to its submission, file
-- hash, sheet, row and column: what a figure on a dashboard is made of.
with versions as (
    select * from {{ ref('int_return_values__versions') }}
),

final as (
    select
        rocu_code,
        month,
        metric_id,
        force_code,
        value,
        raw_value,
        local_label,
        submission_id,
        version,
        is_current,
        is_first_accepted,
        submitted_at,
        approved_by,
        approved_at,
        original_name,
        file_sha256,
        source_sheet,
        source_row,
        source_column
    from versions
)

select * from final
