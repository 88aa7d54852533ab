{#- The one home of the matched comparison of disruption effect (docs/disruption-effect.md): each
    group month with a major or moderate disruption (an event) beside the undisrupted groups of the
    same band and threat area in the same month, network-wide. A score change is the score 3 (6)
    months later minus the score at the end of the month (fct_ocg_ledger_monthly). Undisrupted:
    active that month and no validated disruption of any impact from that month to the month the
    change is read. An event whose group left the register before the change is read has no change.
    Expands to CTEs (ledger, months, threat_areas, horizons, changes, comparison, events), one row
    of events per event and horizon: fct_ocg_disruption_effect rolls them up by unit, area and
    period; fct_ocg_disruption_events lists them for the drill-through. -#}
{% macro disruption_effect_events() %}
ledger as (
    select * from {{ ref('fct_ocg_ledger_monthly') }}
),

months as (
    select * from {{ ref('dim_month') }}
),

threat_areas as (
    select * from {{ ref('threat_areas') }}
),

horizons as (
    select unnest([3, 6]) as months_after
),

-- every active group month with its score k months later, if it was still on the register then
changes as (
    select
        ledger.ocg_ref,
        ledger.month,
        ledger.rocu_code,
        ledger.threat_area_code,
        ledger.morile_band,
        horizons.months_after,
        ledger.major_disruptions + ledger.moderate_disruptions > 0 as is_event,
        ledger.disruptions = 0
        and coalesce(later.months_since_last_disrupted > horizons.months_after, true) as is_undisrupted,
        later.morile_score - ledger.morile_score as score_change
    from ledger
    cross join horizons
    inner join ledger as later
        on ledger.ocg_ref = later.ocg_ref
        and later.month = strftime(
            cast(ledger.month || '-01' as date) + to_months(horizons.months_after), '%Y-%m'
        )
    where ledger.status = 'active'
),

comparison as (
    select
        month,
        morile_band,
        threat_area_code,
        months_after,
        count(*) as comparison_groups,
        avg(score_change) as comparison_mean_change
    from changes
    where is_undisrupted
    group by all
),

events as (
    select
        changes.*,
        comparison.comparison_groups,
        comparison.comparison_mean_change
    from changes
    left join comparison
        on changes.month = comparison.month
        and changes.morile_band = comparison.morile_band
        and changes.threat_area_code = comparison.threat_area_code
        and changes.months_after = comparison.months_after
    where changes.is_event
)
{% endmacro %}
