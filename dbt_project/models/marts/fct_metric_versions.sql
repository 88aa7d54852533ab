-- Every accepted version of a unit's return for a month, per metric: the file it came in,
-- whether the warehouse uses it now, how many cells it gave the metric and what they add
-- up to. The drill-through's "versions and files" of one month's figure. Kept per unit and month,
-- like the cells it sums (macros/incremental_by_scope.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook=before_begin("{{ delete_changed_scopes(ref('int_return_months__inputs'), ['rocu_code', 'month'],
        via=['int_return_values__versions', 'fct_return_value_provenance']) }}"),
) }}

with cells as (
    select * from {{ ref('fct_return_value_provenance') }} as cells
    where {{ unbuilt_scope('cells', ['rocu_code', 'month']) }}
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
        sum(value) as cells_total,
        {{ scope_fingerprint('any_value(inputs_fingerprint)') }} as inputs_fingerprint,
        '{{ invocation_id }}' as built_in_run
    from cells
    group by rocu_code, month, metric_id, submission_id, version, original_name, file_sha256, is_current,
        is_first_accepted
)

select * from final
