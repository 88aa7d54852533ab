-- Does each unit's effort go to the priorities? Per unit and financial year: the operations it
-- led that were open in the year, the part of them on a threat area that was a national or a
-- regional priority that year, and that share against the network's pooled share (the units'
-- parts over their operations, never a mean of percentages) on exact binomial 95% and 99.8%
-- limits for the unit's number of operations, banded higher / similar / lower (one of the units'
-- two comparisons on the golden thread; fct_effort_alignment_index compares the index on its own
-- interval). A year the OCG ledger covers in part is marked.
with alignment as (
    select * from {{ ref('fct_effort_alignment') }}
),

periods as (
    select * from {{ ref('int_alignment_periods') }}
),

by_unit as (
    select
        rocu_code,
        financial_year,
        sum(operations)::bigint as operations,
        coalesce(sum(operations) filter (where is_national_priority or is_regional_priority), 0)::bigint
            as operations_on_priority
    from alignment
    group by rocu_code, financial_year
    having sum(operations) > 0
),

with_network as (
    select
        by_unit.*,
        count(*) over network_year as units_compared,
        (sum(by_unit.operations_on_priority) over network_year)::bigint as network_operations_on_priority,
        (sum(by_unit.operations) over network_year)::bigint as network_operations,
        sum(by_unit.operations_on_priority) over network_year / sum(by_unit.operations) over network_year
            as network_proportion
    from by_unit
    window network_year as (partition by by_unit.financial_year)
),

limits as (
    {{ binomial_limits('with_network', 'operations', 'network_proportion') }}
),

final as (
    select
        with_network.rocu_code,
        with_network.financial_year,
        periods.months_in_period,
        periods.months_in_period < 12 as is_part_year,
        with_network.operations,
        with_network.operations_on_priority,
        100.0 * with_network.operations_on_priority / with_network.operations as on_priority_pct,
        with_network.units_compared,
        with_network.network_operations,
        with_network.network_operations_on_priority,
        100.0 * with_network.network_proportion as network_on_priority_pct,
        100.0 * limits.lower_95 / with_network.operations as lower_95_pct,
        100.0 * limits.upper_95 / with_network.operations as upper_95_pct,
        {{ band_against_limits('with_network.operations_on_priority', 'limits.lower_95', 'limits.upper_95') }}
            as band_95,
        {{ band_against_limits('with_network.operations_on_priority', 'limits.lower_998', 'limits.upper_998') }}
            as band_998,
        {{ is_small_base('with_network.operations') }} as is_small_base
    from with_network
    inner join periods on with_network.financial_year = periods.financial_year
    inner join limits
        on with_network.operations = limits.n
        and with_network.network_proportion = limits.p
)

select * from final
