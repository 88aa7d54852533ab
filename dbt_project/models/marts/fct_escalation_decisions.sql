-- Escalations per unit and financial year: requested, accepted, declined and pending, the share
-- of decisions that accepted (a ratio of counts, with its base) against the network's pooled
-- share on exact binomial 95% and 99.8% limits (higher / similar / lower, never a rank), and the
-- median and 90th percentile of days from request to decision. How often a unit says no is a
-- question for its board, not a failure: the decline reasons sit beside it.
with escalations as (
    select * from {{ ref('fct_escalations') }}
),

by_unit as (
    select
        rocu_code,
        financial_year,
        count(*) as requested,
        count(*) filter (where decision = 'accepted') as accepted,
        count(*) filter (where decision = 'declined') as declined,
        count(*) filter (where decision = 'pending') as pending,
        count(*) filter (where morile_band_when_asked = 'high') as high_band_requested,
        median(days_to_decision) as median_days_to_decision,
        quantile_cont(days_to_decision, 0.9) as p90_days_to_decision
    from escalations
    group by rocu_code, financial_year
),

-- the reason given most often for declining; a tie goes to the reason first in the seed's order
commonest_reason as (
    select
        escalations.rocu_code,
        escalations.financial_year,
        escalations.decline_reason_name as commonest_decline_reason
    from escalations
    inner join {{ ref('escalation_decline_reasons') }} as reasons
        on escalations.decline_reason = reasons.decline_reason
    where escalations.decision = 'declined'
    group by escalations.rocu_code, escalations.financial_year, escalations.decline_reason_name, reasons.sort_order
    qualify row_number() over (
        partition by escalations.rocu_code, escalations.financial_year
        order by count(*) desc, reasons.sort_order
    ) = 1
),

with_network as (
    select
        by_unit.*,
        by_unit.accepted + by_unit.declined as decided,
        count(*) over network_year as units_compared,
        (sum(by_unit.accepted) over network_year)::bigint as network_accepted,
        (sum(by_unit.accepted + by_unit.declined) over network_year)::bigint as network_decided,
        sum(by_unit.accepted) over network_year
        / nullif(sum(by_unit.accepted + by_unit.declined) over network_year, 0) as network_proportion
    from by_unit
    window network_year as (partition by by_unit.financial_year)
),

limits as (
    {{ binomial_limits('with_network', 'decided', 'network_proportion') }}
),

final as (
    select
        with_network.rocu_code,
        with_network.financial_year,
        with_network.requested,
        with_network.accepted,
        with_network.declined,
        with_network.pending,
        with_network.decided,
        with_network.high_band_requested,
        100.0 * with_network.accepted / nullif(with_network.decided, 0) as accepted_pct,
        with_network.network_accepted,
        with_network.network_decided,
        100.0 * with_network.network_proportion as network_accepted_pct,
        case when with_network.decided > 0 then
            {{ band_against_limits('with_network.accepted', 'limits.lower_95', 'limits.upper_95') }}
        end as band_95,
        case when with_network.decided > 0 then
            {{ band_against_limits('with_network.accepted', 'limits.lower_998', 'limits.upper_998') }}
        end as band_998,
        {{ is_small_base('with_network.decided') }} as is_small_base,
        with_network.median_days_to_decision,
        with_network.p90_days_to_decision,
        commonest_reason.commonest_decline_reason,
        with_network.units_compared
    from with_network
    left join commonest_reason
        on with_network.rocu_code = commonest_reason.rocu_code
        and with_network.financial_year = commonest_reason.financial_year
    left join limits
        on with_network.decided = limits.n
        and with_network.network_proportion = limits.p
)

select * from final
