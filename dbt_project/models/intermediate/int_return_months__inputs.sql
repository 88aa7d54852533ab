-- One digest per unit and month of everything its figures are chosen from: each accepted version
-- (its state, file, sign-off, and whether it is current or first accepted) and how many values
-- each version has and when they were loaded. The models kept per unit-month
-- (macros/incremental_by_scope.sql) rebuild a unit-month only when its digest changes.
with versions as (
    select * from {{ ref('int_return_versions__chosen') }}
),

values_loaded as (
    select
        submission_id,
        count(*) as value_count,
        max(loaded_at) as loaded_at
    from {{ ref('stg_intake__return_values') }}
    group by submission_id
),

final as (
    select
        versions.rocu_code,
        versions.month,
        md5(string_agg(
            concat_ws(
                '|', versions.submission_id, versions.version, versions.state, versions.file_sha256,
                versions.original_name, versions.submitted_at, versions.approved_by, versions.approved_at,
                versions.is_current, versions.is_first_accepted, values_loaded.value_count, values_loaded.loaded_at
            ),
            ';' order by versions.submission_id
        )) as inputs_fingerprint
    from versions
    left join values_loaded on versions.submission_id = values_loaded.submission_id
    group by versions.rocu_code, versions.month
)

select * from final
