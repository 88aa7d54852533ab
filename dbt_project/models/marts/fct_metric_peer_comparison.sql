-- Each unit's figure against the median of its peers in every grouping (dim_unit_peer_group),
-- for the regional page's choice of grouping. The same median rule as fct_metric_comparison
-- (macro peer_median_columns), over the units of the unit's group in the financial year of the
-- period's last month; a unit not grouped that year gets no peer median.
with comparison as (
    select
        rocu_code,
        metric_id,
        period_type,
        period,
        peer_group_year,
        value,
        per_100k_population,
        per_officer,
        officer_rate
    from {{ ref('fct_metric_comparison') }}
),

groups as (
    select * from {{ ref('dim_unit_peer_group') }}
),

peers as (
    select
        comparison.*,
        groups.grouping_code,
        groups.grouping_name,
        groups.grouping_order,
        groups.is_default_grouping,
        groups.peer_group_code,
        groups.peer_group_name,
        groups.peer_group_label,
        groups.is_grouped as peer_is_grouped,
        -- the median's partition: a group is one grouping's group, so codes never mix groupings
        groups.grouping_code || '/' || groups.peer_group_code as peer_partition
    from comparison
    inner join groups
        on comparison.rocu_code = groups.rocu_code
        and comparison.peer_group_year = groups.financial_year
),

final as (
    select
        peers.rocu_code,
        peers.metric_id,
        peers.period_type,
        peers.period,
        peers.grouping_code,
        peers.grouping_name,
        peers.grouping_order,
        peers.is_default_grouping,
        peers.peer_group_year,
        peers.peer_group_code,
        peers.peer_group_name,
        peers.peer_group_label,
        peers.peer_is_grouped,
        {{ peer_median_columns('peers', 'peer_partition', 'peer_is_grouped') }}
    from peers
)

select * from final
