-- Each unit's peer group per financial year and grouping: the one model where the grouping
-- rules live (docs/peer-groups.md). Groupings and thresholds are data: seeds/reference/
-- peer_groupings.csv and peer_group_rules.csv. Every unit has exactly one row per grouping and
-- year: its group, or NOT_GROUPED with the reason when the data to place it is missing.
--   ranked (funding per head, size): the units with a figure for the year are ranked on it and
--     cut into as many equal bands as the grouping has groups, band = ceil(rank x bands / units);
--     equal figures share the lower rank, so they share a band.
--   rules (operating model): the group rules are tried in rule_order; the first that holds wins.
-- Resources figures are those of the unit's latest resources return in the year; the led share is
-- the year's (fct_disruptions_lead_share); core capabilities are counted as the year began.
with groupings as (
    select * from {{ ref('peer_groupings') }}
),

rules as (
    select * from {{ ref('peer_group_rules') }}
),

bands as (
    select grouping_code, count(*) as band_count from rules group by grouping_code
),

months as (
    select * from {{ ref('dim_month') }}
),

years as (
    select financial_year, min(month) as first_month from months group by financial_year
),

rocus as (
    select rocu_code from {{ ref('rocus') }}
),

resources as (
    select
        rocu_code,
        financial_year,
        max(quarter) as quarter,
        arg_max(last_month, quarter) as last_month,
        arg_max(total_budget_gbp, quarter) as total_budget_gbp,
        arg_max(staff_in_post, quarter) as staff_in_post
    from {{ ref('fct_unit_resources_quarterly') }}
    group by rocu_code, financial_year
),

population as (
    select rocu_code, month, base_value as population
    from {{ ref('int_unit_bases_monthly') }}
    where base_code = 'population'
),

led as (
    select rocu_code, period as financial_year, led, lead_base, led_share_pct
    from {{ ref('fct_disruptions_lead_share') }}
    where period_type = 'financial_year'
),

core as (
    select capability_code from {{ ref('capabilities') }} where tier = 'core'
),

core_held as (
    select held.rocu_code, held.month, count(*) as core_held
    from {{ ref('int_unit_capabilities_monthly') }} as held
    inner join core on held.capability_code = core.capability_code
    group by held.rocu_code, held.month
),

measured as (
    select
        rocus.rocu_code,
        years.financial_year,
        groupings.grouping_code,
        groupings.grouping_name,
        groupings.description as grouping_description,
        groupings.sort_order as grouping_order,
        groupings.is_default as is_default_grouping,
        groupings.method,
        groupings.measure_code,
        groupings.not_grouped_when,
        resources.quarter as resources_quarter,
        return_month.financial_quarter as resources_quarter_label,
        led.led,
        led.lead_base,
        (select count(*) from core) - coalesce(core_held.core_held, 0) as core_missing,
        case groupings.measure_code
            when 'budget_per_head' then resources.total_budget_gbp / nullif(population.population, 0)
            when 'staff_in_post' then resources.staff_in_post
            when 'led_share' then case when led.lead_base >= groupings.min_measure_base then led.led_share_pct end
        end as measure_value
    from rocus
    cross join years
    cross join groupings
    left join resources on rocus.rocu_code = resources.rocu_code and years.financial_year = resources.financial_year
    left join months as return_month on resources.last_month = return_month.month
    left join population on resources.rocu_code = population.rocu_code and resources.last_month = population.month
    left join led on rocus.rocu_code = led.rocu_code and years.financial_year = led.financial_year
    left join core_held on rocus.rocu_code = core_held.rocu_code and years.first_month = core_held.month
),

ranked as (
    select
        measured.*,
        (
            rank() over (partition by measured.grouping_code, measured.financial_year order by measured.measure_value)
            * bands.band_count
            + count(*) over (partition by measured.grouping_code, measured.financial_year)
            - 1
        ) // count(*) over (partition by measured.grouping_code, measured.financial_year) as rank_band
    from measured
    inner join bands on measured.grouping_code = bands.grouping_code
    where measured.method = 'ranked' and measured.measure_value is not null
),

matched as (
    select
        measured.rocu_code,
        measured.financial_year,
        measured.grouping_code,
        rules.peer_group_code,
        rules.peer_group_name,
        rules.rule_words,
        row_number() over (
            partition by measured.rocu_code, measured.financial_year, measured.grouping_code
            order by rules.rule_order
        ) as pick
    from measured
    left join ranked
        on measured.rocu_code = ranked.rocu_code
        and measured.financial_year = ranked.financial_year
        and measured.grouping_code = ranked.grouping_code
    inner join rules
        on measured.grouping_code = rules.grouping_code
        and (
            measured.method = 'all'
            or (measured.method = 'ranked' and ranked.rank_band = rules.rank_band)
            or (
                measured.method = 'rules'
                and (rules.min_core_missing is null or measured.core_missing >= rules.min_core_missing)
                and (rules.min_led_share_pct is null or measured.measure_value >= rules.min_led_share_pct)
                and (rules.below_led_share_pct is null or measured.measure_value < rules.below_led_share_pct)
            )
        )
),

placed as (
    select
        measured.*,
        matched.peer_group_code is not null as is_grouped,
        coalesce(matched.peer_group_code, 'NOT_GROUPED') as peer_group_code,
        coalesce(matched.peer_group_name, 'Not grouped') as peer_group_name,
        matched.rule_words
    from measured
    left join matched
        on measured.rocu_code = matched.rocu_code
        and measured.financial_year = matched.financial_year
        and measured.grouping_code = matched.grouping_code
        and matched.pick = 1
),

spread as (
    select
        *,
        count(*) over group_year as units_in_group,
        min(measure_value) over group_year as group_min_value,
        max(measure_value) over group_year as group_max_value,
        string_agg(rocu_code, ', ' order by rocu_code) over group_year as group_units
    from placed
    window group_year as (partition by grouping_code, financial_year, peer_group_code)
),

labelled as (
    select
        *,
        case measure_code
            when 'budget_per_head' then printf('£%.2f per head', measure_value)
            when 'staff_in_post' then printf('%d staff in post', measure_value::bigint)
            when 'led_share' then printf('led %.1f%% (%d of %d disruptions with a recorded lead)',
                measure_value, led, lead_base)
        end as measure_label,
        case
            when not is_grouped and measure_value is null then 'not grouped: ' || not_grouped_when
            when not is_grouped then 'not grouped: no rule of the grouping fits its figure'
            when measure_code = 'budget_per_head'
                then printf('units with £%.2f–£%.2f per head', group_min_value, group_max_value)
            when measure_code = 'staff_in_post'
                then printf('units with %d–%d staff in post', group_min_value::bigint, group_max_value::bigint)
            else rule_words
        end as group_rule_label
    from spread
),

final as (
    select
        rocu_code,
        financial_year,
        grouping_code,
        grouping_name,
        grouping_description,
        grouping_order,
        is_default_grouping,
        peer_group_code,
        peer_group_name,
        is_grouped,
        measure_value,
        measure_label,
        core_missing,
        resources_quarter,
        case
            when measure_code in ('budget_per_head', 'staff_in_post') and resources_quarter is not null
                then 'resources return for ' || resources_quarter_label
            when measure_code = 'led_share' and lead_base is not null
                then 'disruptions in ' || financial_year || ' and the capability register'
        end as basis_label,
        units_in_group,
        case when is_grouped then group_units end as group_units,
        group_rule_label,
        case
            when grouping_code = 'ALL' then 'All units, ' || financial_year
            else 'Peers by ' || lower(grouping_name) || ', ' || financial_year || ': ' || group_rule_label
        end as peer_group_label
    from labelled
)

select * from final
