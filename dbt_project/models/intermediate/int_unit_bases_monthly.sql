-- The base of every rate, per unit, base and month: the one place the rule lives. Each holder
-- (force, or the unit itself) contributes its newest figure as at or before the month's last
-- day; so a month newer than every figure takes the newest, and a month older than every
-- figure takes the oldest where the base fills back (denominator_bases.fills_back: the force
-- tables), and has no base where it does not (a unit's own resources return says nothing about
-- the months before its first one). A unit's base is the sum over the forces in it that month, as at
-- the newest of their dates, with the least sure status of their figures. base_changed marks
-- the month a unit's base moved to another table (date or status) and base_since_month the
-- month the base in use began: the one rule of a change of base; fct_metric_rates compares two
-- periods' base_since_month. A rate's scale and wording come from seeds/framework/rate_scales.csv.
with observations as (
    select * from {{ ref('int_denominator_observations') }}
),

bases as (
    select * from {{ ref('denominator_bases') }}
),

rate_scales as (
    select * from {{ ref('rate_scales') }}
),

statuses as (
    select * from {{ ref('denominator_statuses') }}
),

months as (
    select * from {{ ref('calendar_months') }}
),

membership as (
    select * from {{ ref('int_force_membership_monthly') }}
),

rocus as (
    select * from {{ ref('rocus') }}
),

holders as (
    select
        month,
        rocu_code,
        'force' as held_by,
        force_code as holder_code
    from membership

    union all

    select
        months.month,
        rocus.rocu_code,
        'unit' as held_by,
        rocus.rocu_code as holder_code
    from months
    cross join rocus
),

candidates as (
    select
        holders.month,
        holders.rocu_code,
        bases.base_code,
        holders.holder_code,
        observations.as_at,
        observations.base_value,
        observations.status,
        observations.source,
        row_number() over (
            partition by holders.month, holders.rocu_code, bases.base_code, holders.holder_code
            order by
                observations.as_at <= last_day(months.month_start) desc,
                abs(date_diff('day', observations.as_at, last_day(months.month_start)))
        ) as pick
    from holders
    inner join months on holders.month = months.month
    inner join bases on holders.held_by = bases.held_by
    inner join observations
        on bases.base_code = observations.base_code
        and holders.holder_code = observations.holder_code
    where observations.as_at <= last_day(months.month_start) or bases.fills_back
),

per_unit as (
    select
        candidates.month,
        candidates.rocu_code,
        candidates.base_code,
        {{ exact_sum('candidates.base_value') }} as base_value,
        max(candidates.as_at) as as_at,
        min(candidates.as_at) as earliest_as_at,
        arg_max(candidates.status, statuses.severity) as status,
        string_agg(distinct candidates.source, '; ' order by candidates.source) as source,
        count(*) as holder_count
    from candidates
    inner join statuses on candidates.status = statuses.status
    where candidates.pick = 1
    group by candidates.month, candidates.rocu_code, candidates.base_code
),

labelled as (
    select
        per_unit.*,
        bases.base_name,
        rate_scales.per as rate_scale,
        rate_scales.rate_label as rate_per,
        {{ as_at_label('per_unit.as_at', 'bases.as_at_style') }} as as_at_label,
        {{ as_at_label('per_unit.as_at', 'bases.as_at_style') }}
        || case when statuses.shown_in_label then ', ' || per_unit.status else '' end as base_year_label
    from per_unit
    inner join bases on per_unit.base_code = bases.base_code
    inner join rate_scales on per_unit.base_code = rate_scales.base_code
    inner join statuses on per_unit.status = statuses.status
),

final as (
    select
        month,
        rocu_code,
        base_code,
        base_name,
        base_value,
        as_at,
        earliest_as_at,
        as_at_label,
        status,
        source,
        holder_count,
        rate_scale,
        rate_per,
        base_year_label,
        rate_per || ' (' || base_year_label || ')' as rate_base_label,
        lag(base_year_label) over (partition by rocu_code, base_code order by month) as previous_base_year_label,
        coalesce(
            lag(base_year_label) over (partition by rocu_code, base_code order by month) <> base_year_label
            or lag(earliest_as_at) over (partition by rocu_code, base_code order by month) <> earliest_as_at,
            false
        ) as base_changed
    from labelled
),

-- The first month of the run of months on the same base: the month the base in use began. A
-- period's rate compares it with the previous period's (fct_metric_rates) to say the base changed.
with_runs as (
    select
        *,
        max(case when base_changed then month end) over (
            partition by rocu_code, base_code order by month rows unbounded preceding
        ) as changed_at
    from final
)

select
    * exclude (changed_at),
    coalesce(
        changed_at, min(month) over (partition by rocu_code, base_code)
    ) as base_since_month
from with_runs
