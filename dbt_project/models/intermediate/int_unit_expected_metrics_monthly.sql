-- The one rule of what each unit is expected to report in each month, which every completeness
-- figure reads: of the metrics its template can carry (int_metrics_expected_by_unit: optional
-- metrics only where its label map has them), a metric linked to capabilities
-- (seeds/framework/metric_capabilities.csv) is expected only while the unit has one of them; a
-- metric linked to none is expected every month.
with metrics as (
    select rocu_code, metric_id from {{ ref('int_metrics_expected_by_unit') }}
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
    inner join metrics on unit_months.rocu_code = metrics.rocu_code
    where metrics.metric_id not in (select links.metric_id from links)
),

linked as (
    select held.rocu_code, held.month, links.metric_id, min(links.capability_code) as capability_code
    from held
    inner join links on held.capability_code = links.capability_code
    inner join metrics on held.rocu_code = metrics.rocu_code and links.metric_id = metrics.metric_id
    group by all
)

select * from unlinked
union all
select * from linked
