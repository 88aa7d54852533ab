-- Each operation a regional tasking meeting discussed, one row per meeting and operation: the
-- drill-through from an alignment figure's operations to the meetings behind them. The
-- operation's threat area and priority are those of fct_operations_by_year in the meeting's
-- year, where the unit led it and it was open then (is_open_operation_of_unit).
with meetings as (
    select * from {{ ref('fct_tasking_meetings') }}
    where operations_discussed is not null
),

operations as (
    select * from {{ ref('fct_operations_by_year') }}
),

discussed as (
    select
        rocu_code,
        financial_year,
        meeting_date,
        national_tasking_attended,
        trim(unnest(string_split(operations_discussed, ';'))) as operation_ref
    from meetings
),

final as (
    select
        discussed.rocu_code,
        discussed.financial_year,
        discussed.meeting_date,
        discussed.national_tasking_attended,
        discussed.operation_ref,
        operations.threat_area_code,
        operations.threat_area_name,
        operations.is_off_priority,
        operations.operation_ref is not null as is_open_operation_of_unit
    from discussed
    left join operations
        on discussed.rocu_code = operations.rocu_code
        and discussed.financial_year = operations.financial_year
        and discussed.operation_ref = operations.operation_ref
    where discussed.operation_ref <> ''
)

select * from final
