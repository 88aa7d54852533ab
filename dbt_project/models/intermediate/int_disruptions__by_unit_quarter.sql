-- Each unit's counted disruptions per board quarter (both schemes) and 4P strand, with their impact
-- weight: the strand balance the board paper and the strand coverage give. Built when the
-- disruptions change, so that a returns refresh, which rebuilds those marts, does not count every
-- disruption again (they grow with the record-level extracts).
with disruptions as (
    select * from {{ ref('int_disruptions__counted') }}
),

bridge as (
    select * from {{ ref('int_month_quarters') }}
),

final as (
    select
        disruptions.rocu_code,
        bridge.quarter,
        disruptions.strand as strand_code,
        count(*) as disruptions,
        sum(disruptions.impact_weight)::double as impact_weighted_disruptions
    from disruptions
    inner join bridge on disruptions.month = bridge.month
    group by disruptions.rocu_code, bridge.quarter, disruptions.strand
)

select * from final
