-- Every value of every accepted version of every return, traced to its submission, file
-- hash, sheet, row and column: what a figure on a dashboard is made of. It grows with every
-- version sent, so it is kept per unit and month (macros/incremental_by_scope.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook=before_begin("{{ delete_changed_scopes(ref('int_return_months__inputs'), ['rocu_code', 'month'],
        via=['int_return_values__versions']) }}"),
) }}

with versions as (
    select * from {{ ref('int_return_values__versions') }} as versions
    where {{ unbuilt_scope('versions', ['rocu_code', 'month']) }}
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
        source_column,
        {{ scope_fingerprint('inputs_fingerprint') }} as inputs_fingerprint,
        '{{ invocation_id }}' as built_in_run
    from versions
)

select * from final
