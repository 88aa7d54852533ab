-- Every accepted version's values, flagged as the current version (latest accepted, what
-- published figures use) and the first accepted version ("as first submitted").
with submissions as (
    select * from {{ ref('stg_intake__submissions') }}
),

values_ as (
    select * from {{ ref('stg_intake__return_values') }}
),

accepted as (
    select
        *,
        state in ('accepted', 'accepted_with_warnings') as is_current,
        row_number() over (partition by rocu_code, month order by version) = 1 as is_first_accepted
    from submissions
    where state in ('accepted', 'accepted_with_warnings', 'superseded')
),

final as (
    select
        values_.*,
        accepted.version,
        accepted.file_sha256,
        accepted.original_name,
        accepted.submitted_at,
        accepted.is_current,
        accepted.is_first_accepted
    from values_
    inner join accepted on values_.submission_id = accepted.submission_id
)

select * from final
