-- The network as the brief states it: 41 forces in nine units of three to seven forces;
-- North Wales is in the North West unit and Kent in the Eastern unit (today).
with current_forces as (
    select * from {{ ref('forces') }} where effective_to is null
),

problems as (
    select 'force count' as issue, count(*)::varchar as found from current_forces having count(*) <> 41
    union all
    select 'unit size ' || rocu_code, count(*)::varchar from current_forces group by rocu_code
    having count(*) not between 3 and 7
    union all
    select 'North Wales', rocu_code from current_forces where force_code = 'NORTH_WALES' and rocu_code <> 'NWROCU'
    union all
    select 'Kent', rocu_code from current_forces where force_code = 'KENT' and rocu_code <> 'ERSOU'
    union all
    select 'overlapping membership ' || a.force_code, a.rocu_code
    from {{ ref('forces') }} as a inner join {{ ref('forces') }} as b
        on a.force_code = b.force_code and a.rocu_code < b.rocu_code
        and a.effective_from <= coalesce(b.effective_to, date '9999-12-31')
        and b.effective_from <= coalesce(a.effective_to, date '9999-12-31')
)

select * from problems
