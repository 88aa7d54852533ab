-- The monthly-return metrics each unit is expected to report in each month: a metric linked to
-- capabilities (seeds/framework/metric_capabilities.csv) is expected only while the unit has one
-- of them; a metric linked to none is expected from every unit. Completeness is judged on these.
with metrics as (
    select metric_id from {{ ref('dim_metric') }}
    where source = 'monthly_return'
),

links as (
    select * from {{ ref('metric_capabilities') }}
),

held as (
    select * from {{ ref('int_unit_capabilities_monthly') }}
),

unit_months as (
    select rocu.rocu_code, months.month
    from {{ ref('dim_rocu') }} as rocu
    cross join {{ ref('dim_month') }} as months
),

unlinked as (
    select unit_months.rocu_code, unit_months.month, metrics.metric_id, null as capability_code
    from unit_months
    cross join metrics
    where metrics.metric_id not in (select links.metric_id from links)
),

linked as (
    select held.rocu_code, held.month, links.metric_id, min(links.capability_code) as capability_code
    from held
    inner join links on held.capability_code = links.capability_code
    inner join metrics on links.metric_id = metrics.metric_id
    group by all
)

select * from unlinked
union all
select * from linked
