-- Each operation in each financial year it was open in (started by the year's end, not ended
-- before its start): the drill-through behind the effort figures of fct_effort_alignment.
with operations as (
    select * from {{ ref('stg_apmis__operations') }}
),

periods as (
    select * from {{ ref('int_alignment_periods') }}
),

priorities as (
    select * from {{ ref('fct_priorities') }}
),

routes as (
    select * from {{ ref('tasking_routes') }}
),

final as (
    select
        operations.operation_ref,
        operations.rocu_code,
        periods.financial_year,
        operations.threat_area_code,
        priorities.threat_area_name,
        operations.tasked_by,
        routes.tasked_by_name,
        operations.ocg_refs,
        operations.ocgs_targeted,
        operations.start_date,
        operations.end_date,
        operations.status,
        coalesce(priorities.is_national_priority, false) as is_national_priority,
        coalesce(priorities.is_regional_priority, false) as is_regional_priority,
        not coalesce(priorities.is_national_priority or priorities.is_regional_priority, false)
            as is_off_priority
    from operations
    inner join periods
        on operations.start_date <= periods.period_end
        and (operations.end_date is null or operations.end_date >= periods.period_start)
    left join priorities
        on operations.rocu_code = priorities.rocu_code
        and operations.threat_area_code = priorities.threat_area_code
        and periods.financial_year = priorities.financial_year
    left join routes on operations.tasked_by = routes.tasked_by
)

select * from final
