-- Monthly-return values per unit, month, metric and force (null = not force attributable),
-- from the current version and from the first accepted version, with provenance. Kept per unit
-- and month, like the versions it sums (macros/incremental_by_scope.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook=before_begin("{{ delete_changed_scopes(ref('int_return_months__inputs'), ['rocu_code', 'month'],
        via=['int_return_values__versions']) }}"),
) }}

with versions as (
    select * from {{ ref('int_return_values__versions') }} as versions
    where {{ unbuilt_scope('versions', ['rocu_code', 'month']) }}
),

current_values as (
    select
        rocu_code,
        month,
        metric_id,
        force_code,
        sum(value) as value,
        count(*) as source_value_count,
        any_value(submission_id) as submission_id,
        any_value(file_sha256) as file_sha256,
        string_agg(
            coalesce(source_sheet || '!', '') || source_column || source_row, ', '
            order by source_sheet, source_row
        ) as source_cells,
        {{ scope_fingerprint('any_value(inputs_fingerprint)') }} as inputs_fingerprint
    from versions
    where is_current
    group by rocu_code, month, metric_id, force_code
),

first_values as (
    select
        rocu_code,
        month,
        metric_id,
        force_code,
        sum(value) as value_as_first_submitted
    from versions
    where is_first_accepted
    group by all
),

final as (
    select
        current_values.*,
        first_values.value_as_first_submitted
    from current_values
    left join first_values
        on current_values.rocu_code = first_values.rocu_code
        and current_values.month = first_values.month
        and current_values.metric_id = first_values.metric_id
        and current_values.force_code is not distinct from first_values.force_code
)

select * from final
