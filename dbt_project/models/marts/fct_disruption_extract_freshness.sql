-- How fresh each unit's disruption records are, one row per unit: the newest disruption and
-- claim dates among its records, the newest landed extract file holding any of them, and how
-- many months its newest disruption month is behind the network's newest. A unit whose records
-- stop is visible here before its counts fall. Every claim counts (any status, duplicates too):
-- this is about what has landed, not what is counted.
with claims as (
    select * from {{ ref('stg_apmis__disruptions') }}
),

units as (
    select rocu_code, rocu_name from {{ ref('dim_rocu') }}
),

by_unit as (
    select
        rocu_code,
        max(disruption_date) as latest_disruption_date,
        max(month) as latest_month,
        max(claim_date) as latest_claim_date,
        arg_max(source_file, month) as latest_extract_file,
        count(*) as claims
    from claims
    group by rocu_code
),

final as (
    select
        units.rocu_code,
        units.rocu_name,
        by_unit.latest_disruption_date,
        by_unit.latest_month,
        by_unit.latest_claim_date,
        by_unit.latest_extract_file,
        coalesce(by_unit.claims, 0) as claims,
        (select max(claims.month) from claims) as network_latest_month,
        date_diff(
            'month',
            strptime(by_unit.latest_month || '-01', '%Y-%m-%d'),
            strptime((select max(claims.month) from claims) || '-01', '%Y-%m-%d')
        ) as months_behind_network
    from units
    left join by_unit on units.rocu_code = by_unit.rocu_code
)

select * from final
