-- Each OCG's history as a slowly changing dimension: one row per group per interval over
-- which everything the register says about it stayed the same. Derived afresh at every
-- build from every landed monthly extract (not a dbt snapshot), so a rebuild gives the same
-- rows and "what was this group's score and who owned it in March" has one answer: the row
-- whose valid_from_month <= '....-03' <= coalesce(valid_to_month, '9999-12'). A month with
-- no extract carries the previous state; a change is dated by the first extract showing it.
with extracts as (
    select * from {{ ref('int_ocg_register__banded') }}
),

keyed as (
    select
        *,
        md5(cast(row(
            rocu_code, owner_type, owner_code, threat_area_code, threat_areas, membership_size, geography,
            morile_score, stated_band, date_mapped, date_scored, date_reviewed, status, date_archived,
            archive_reason, lro_ref, plan_4p_in_place, plan_4p_reviewed
        ) as varchar)) as state_key
    from extracts
),

changes as (
    select
        *,
        coalesce(state_key <> lag(state_key) over by_month, true) as starts_interval
    from keyed
    window by_month as (partition by ocg_ref order by extract_month)
),

numbered as (
    select
        *,
        sum(cast(starts_interval as integer)) over (
            partition by ocg_ref order by extract_month rows between unbounded preceding and current row
        ) as interval_number
    from changes
),

intervals as (
    select
        ocg_ref,
        interval_number,
        min(extract_month) as valid_from_month,
        max(extract_month) as last_seen_month,
        count(*) as extracts_seen,
        arg_min(rocu_code, extract_month) as rocu_code,
        arg_min(owner_type, extract_month) as owner_type,
        arg_min(owner_code, extract_month) as owner_code,
        arg_min(threat_area_code, extract_month) as threat_area_code,
        arg_min(threat_areas, extract_month) as threat_areas,
        arg_min(membership_size, extract_month) as membership_size,
        arg_min(geography, extract_month) as geography,
        arg_min(morile_score, extract_month) as morile_score,
        arg_min(morile_band, extract_month) as morile_band,
        arg_min(stated_band, extract_month) as stated_band,
        arg_min(band_agrees_with_score, extract_month) as band_agrees_with_score,
        arg_min(date_mapped, extract_month) as date_mapped,
        arg_min(date_scored, extract_month) as date_scored,
        arg_min(date_reviewed, extract_month) as date_reviewed,
        arg_min(status, extract_month) as status,
        arg_min(date_archived, extract_month) as date_archived,
        arg_min(archive_reason, extract_month) as archive_reason,
        arg_min(lro_ref, extract_month) as lro_ref,
        arg_min(plan_4p_in_place, extract_month) as plan_4p_in_place,
        arg_min(plan_4p_reviewed, extract_month) as plan_4p_reviewed
    from numbered
    group by ocg_ref, interval_number
),

newest as (
    select max(extract_month) as extract_month from extracts
),

final as (
    select
        intervals.ocg_ref || '@' || intervals.valid_from_month as ocg_interval_key,
        intervals.ocg_ref,
        intervals.valid_from_month,
        case
            when lead(intervals.valid_from_month) over by_group is not null
                then strftime(
                    cast(lead(intervals.valid_from_month) over by_group || '-01' as date) - interval 1 month, '%Y-%m'
                )
            when intervals.last_seen_month < newest.extract_month then intervals.last_seen_month
        end as valid_to_month,
        intervals.last_seen_month = newest.extract_month as is_current,
        intervals.last_seen_month,
        intervals.extracts_seen,
        intervals.rocu_code,
        intervals.owner_type,
        intervals.owner_code,
        intervals.threat_area_code,
        intervals.threat_areas,
        intervals.membership_size,
        intervals.geography,
        intervals.morile_score,
        intervals.morile_band,
        intervals.stated_band,
        intervals.band_agrees_with_score,
        intervals.status,
        intervals.date_archived,
        intervals.archive_reason,
        intervals.lro_ref,
        intervals.plan_4p_in_place,
        intervals.plan_4p_reviewed,
        intervals.date_mapped,
        intervals.date_scored,
        intervals.date_reviewed
    from intervals
    cross join newest
    window by_group as (partition by intervals.ocg_ref order by intervals.valid_from_month)
)

select * from final
