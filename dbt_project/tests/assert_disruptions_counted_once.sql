-- The counting rule holds end to end: every claim marked duplicate points at the unit's own claim
-- of the same OCG, date, threat area and strand, and the mart counts each disruption once.
with claims as (
    select * from {{ ref('int_disruptions__deduplicated') }}
),

bad_duplicates as (
    select d.disruption_ref
    from claims as d
    left join claims as r on d.duplicate_of = r.disruption_ref
    where d.duplicate_of is not null
        and (r.claiming_agency <> 'rocu' or d.claiming_agency = 'rocu'
            or r.ocg_ref <> d.ocg_ref or r.disruption_date <> d.disruption_date
            or r.threat_area_code <> d.threat_area_code or r.strand <> d.strand or r.disruption_ref is null)
),

totals as (
    select
        (select count(*) from claims where validation_status = 'validated' and is_counted) as expected,
        (select coalesce(sum(disruptions), 0) from {{ ref('fct_disruptions') }}) as counted
)

select 'bad duplicate ' || disruption_ref as problem from bad_duplicates
union all
select 'mart counts ' || counted || ' but ' || expected || ' disruptions are countable' from totals
where counted <> expected
