-- Every accepted version of every monthly return, flagged as the current version and the first
-- accepted version ("as first submitted"). Current = the latest accepted version that counts: where
-- the submission window requires approval, only versions signed off by the unit's approver count,
-- so a resubmission awaiting sign-off leaves the previous approved figures in place.
with submissions as (
    select * from {{ ref('stg_intake__submissions') }}
    where month is not null
),

approvals as (
    select * from {{ ref('stg_intake__approvals') }}
),

windows as (
    select * from {{ ref('stg_config__submission_windows') }}
),

-- the window in force for each month (a month's rule, not each version's: versions grow with history)
rule as (
    select
        months.month,
        max_by(windows.approval_required, windows.effective_from) as approval_required
    from (select distinct month from submissions) as months
    inner join windows on windows.effective_from <= cast(months.month || '-01' as date)
    group by all
),

accepted as (
    select
        submissions.*,
        approvals.approved_by,
        approvals.approved_at,
        not rule.approval_required or approvals.submission_id is not null as counts,
        row_number() over (partition by submissions.rocu_code, submissions.month order by submissions.version)
            = 1 as is_first_accepted
    from submissions
    inner join rule on submissions.month = rule.month
    left join approvals on submissions.submission_id = approvals.submission_id
    where submissions.state in ('accepted', 'accepted_with_queries_or_information', 'superseded')
),

final as (
    select
        *,
        counts and row_number() over (
            partition by rocu_code, month, counts order by version desc
        ) = 1 as is_current
    from accepted
)

select * from final
