-- Every accepted version's values, flagged as the current version and the first accepted version
-- (int_return_versions__chosen). Kept per unit and month: a refresh rebuilds only the unit-months
-- whose versions, sign-offs or values changed (macros/incremental_by_scope.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook=before_begin("{{ delete_changed_scopes(ref('int_return_months__inputs'), ['rocu_code', 'month']) }}"),
) }}

with months as (
    select * from {{ ref('int_return_months__inputs') }} as inputs
    where {{ unbuilt_scope('inputs', ['rocu_code', 'month']) }}
),

versions as (
    select * from {{ ref('int_return_versions__chosen') }}
),

values_ as (
    select * from {{ ref('stg_intake__return_values') }}
),

final as (
    select
        values_.submission_id,
        values_.rocu_code,
        values_.month,
        values_.metric_id,
        values_.force_code,
        values_.value,
        values_.local_label,
        values_.raw_value,
        values_.source_sheet,
        values_.source_row,
        values_.source_column,
        versions.version,
        versions.file_sha256,
        versions.original_name,
        versions.submitted_at,
        versions.approved_by,
        versions.approved_at,
        versions.is_current,
        versions.is_first_accepted,
        {{ scope_fingerprint('months.inputs_fingerprint') }} as inputs_fingerprint
    from months
    inner join versions on months.rocu_code = versions.rocu_code and months.month = versions.month
    inner join values_ on versions.submission_id = values_.submission_id
)

select * from final
