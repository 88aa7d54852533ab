-- Does effort follow the threat? Per unit, threat area and financial year: the area's share of
-- the unit's high-band threat (high-band OCG-months on the OCG ledger; where the ledger holds no
-- row of the unit in the year, its high-band groups on the OCG register snapshot active in the
-- year, threat_source saying which) beside its share of the
-- unit's effort (operations it led open in the year, disruptions it led), with the national and
-- regional priority of the area. Definitions: seeds/priorities/alignment_measures.csv; effort
-- weights: seeds/priorities/effort_components.csv.
with priorities as (
    select * from {{ ref('fct_priorities') }}
),

periods as (
    select * from {{ ref('int_alignment_periods') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

operations_weight as (
    select weight from {{ ref('effort_components') }} where component = 'operations'
),

disruptions_weight as (
    select weight from {{ ref('effort_components') }} where component = 'disruptions'
),

ledger_threat as (
    select
        ledger.rocu_code,
        ledger.threat_area_code,
        months.financial_year,
        count(*)::integer as high_band_ocg_months,
        count(distinct ledger.ocg_ref)::integer as high_band_ocgs
    from {{ ref('fct_ocg_ledger_monthly') }} as ledger
    inner join months on ledger.month = months.month
    where ledger.morile_band = 'high' and not ledger.archived_in_month
    group by all
),

-- Unit-years the ledger holds at least one row for, in any band: there the ledger is the source.
on_ledger as (
    select distinct
        ledger.rocu_code,
        months.financial_year
    from {{ ref('fct_ocg_ledger_monthly') }} as ledger
    inner join months on ledger.month = months.month
),

-- Elsewhere the register snapshot: its high-band groups mapped by the year's end and not archived
-- before it began, each counted once (a snapshot has no months; the band is the snapshot's).
register_threat as (
    select
        register.rocu_code,
        register.threat_area_code,
        periods.financial_year,
        count(*)::integer as high_band_ocgs
    from {{ ref('stg_apmis__ocg_register') }} as register
    inner join periods
        on register.date_mapped <= periods.period_end
        and (register.date_archived is null or register.date_archived >= periods.period_start)
    where register.morile_band = 'high'
    group by all
),

threat_sources as (
    select
        priorities.rocu_code,
        priorities.financial_year,
        case when on_ledger.rocu_code is not null then 'ledger' else 'register' end as threat_source
    from (select distinct rocu_code, financial_year from priorities) as priorities
    left join on_ledger
        on priorities.rocu_code = on_ledger.rocu_code
        and priorities.financial_year = on_ledger.financial_year
),

threat as (
    select
        threat_sources.rocu_code,
        threat_sources.financial_year,
        threat_sources.threat_source,
        coalesce(ledger_threat.threat_area_code, register_threat.threat_area_code) as threat_area_code,
        ledger_threat.high_band_ocg_months,
        coalesce(ledger_threat.high_band_ocgs, register_threat.high_band_ocgs) as high_band_ocgs,
        -- What the share is of: OCG-months on the ledger, groups on the register.
        coalesce(ledger_threat.high_band_ocg_months, register_threat.high_band_ocgs) as threat_basis
    from threat_sources
    left join ledger_threat
        on threat_sources.threat_source = 'ledger'
        and threat_sources.rocu_code = ledger_threat.rocu_code
        and threat_sources.financial_year = ledger_threat.financial_year
    left join register_threat
        on threat_sources.threat_source = 'register'
        and threat_sources.rocu_code = register_threat.rocu_code
        and threat_sources.financial_year = register_threat.financial_year
),

operations as (
    select
        rocu_code,
        threat_area_code,
        financial_year,
        count(*)::integer as operations
    from {{ ref('fct_operations_by_year') }}
    group by all
),

disruptions as (
    select
        claims.rocu_code,
        claims.threat_area_code,
        months.financial_year,
        count(*)::integer as disruptions
    from {{ ref('int_disruptions__counted') }} as claims
    inner join months on claims.month = months.month
    inner join periods on months.financial_year = periods.financial_year
        and months.month between periods.first_month and periods.last_month
    where claims.lead_role = 'led'
    group by all
),

counts as (
    select
        priorities.*,
        threat_sources.threat_source,
        case when threat_sources.threat_source = 'ledger' then coalesce(threat.high_band_ocg_months, 0) end
            as high_band_ocg_months,
        coalesce(threat.high_band_ocgs, 0) as high_band_ocgs,
        coalesce(threat.threat_basis, 0) as threat_basis,
        coalesce(operations.operations, 0) as operations,
        coalesce(disruptions.disruptions, 0) as disruptions
    from priorities
    inner join threat_sources
        on priorities.rocu_code = threat_sources.rocu_code
        and priorities.financial_year = threat_sources.financial_year
    left join threat
        on priorities.rocu_code = threat.rocu_code
        and priorities.threat_area_code = threat.threat_area_code
        and priorities.financial_year = threat.financial_year
    left join operations
        on priorities.rocu_code = operations.rocu_code
        and priorities.threat_area_code = operations.threat_area_code
        and priorities.financial_year = operations.financial_year
    left join disruptions
        on priorities.rocu_code = disruptions.rocu_code
        and priorities.threat_area_code = disruptions.threat_area_code
        and priorities.financial_year = disruptions.financial_year
),

shares as (
    select
        *,
        100.0 * threat_basis
        / nullif(sum(threat_basis) over (partition by rocu_code, financial_year), 0) as threat_share_pct,
        100.0 * operations
        / nullif(sum(operations) over (partition by rocu_code, financial_year), 0) as operations_share_pct,
        100.0 * disruptions
        / nullif(sum(disruptions) over (partition by rocu_code, financial_year), 0) as disruptions_share_pct,
        sum(high_band_ocgs) over (partition by rocu_code, financial_year) as unit_high_band_ocgs,
        sum(operations) over (partition by rocu_code, financial_year) as unit_operations,
        sum(disruptions) over (partition by rocu_code, financial_year) as unit_disruptions
    from counts
),

-- A component with nothing in the year is left out and the other weights rescaled.
with_effort as (
    select
        shares.*,
        (
            coalesce(ops_w.weight * shares.operations_share_pct, 0)
            + coalesce(dis_w.weight * shares.disruptions_share_pct, 0)
        )
        / nullif(
            case when shares.operations_share_pct is not null then ops_w.weight else 0 end
            + case when shares.disruptions_share_pct is not null then dis_w.weight else 0 end,
            0
        ) as effort_share_pct
    from shares
    cross join operations_weight as ops_w
    cross join disruptions_weight as dis_w
),

final as (
    select
        rocu_code,
        financial_year,
        threat_area_code,
        threat_area_name,
        threat_area_order,
        national_priority_level,
        regional_priority_level,
        is_national_priority,
        is_regional_priority,
        departs_from_national,
        departure,
        threat_source,
        high_band_ocg_months,
        high_band_ocgs,
        threat_basis,
        operations,
        disruptions,
        threat_share_pct,
        operations_share_pct,
        disruptions_share_pct,
        effort_share_pct,
        effort_share_pct - threat_share_pct as effort_gap_pts,
        -- Small bases, from data (dbt vars): a group's months are not independent, so the threat
        -- share's base is the unit's high-band groups; the effort shares' bases are their counts.
        {{ is_threat_small_base('unit_high_band_ocgs') }} as is_threat_small_base,
        {{ is_small_base('unit_operations') }} as is_operations_small_base,
        {{ is_small_base('unit_disruptions') }} as is_disruptions_small_base,
        (is_national_priority or is_regional_priority) and operations = 0 as is_priority_without_operation,
        case when not (is_national_priority or is_regional_priority) then operations else 0 end
            as operations_off_priority
    from with_effort
)

select * from final
