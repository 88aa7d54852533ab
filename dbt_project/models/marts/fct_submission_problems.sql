-- Every problem the checks raised on a registered file, with the file's unit, month, version
-- and state: what the board paper lists under data quality.
with problems as (
    select * from {{ ref('stg_intake__problems') }}
),

submissions as (
    select * from {{ ref('stg_intake__submissions') }}
    where month is not null
),

final as (
    select
        submissions.rocu_code,
        submissions.month,
        submissions.version,
        submissions.state,
        problems.submission_id,
        problems.severity,
        problems.rule,
        problems.sheet,
        problems.source_row,
        problems.source_column,
        problems.found_value
    from problems
    inner join submissions on problems.submission_id = submissions.submission_id
)

select * from final
