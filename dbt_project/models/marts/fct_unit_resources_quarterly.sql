-- Each unit's resources per financial-year quarter, from its current resources return: budget
-- for the financial year by funding group with the latest day each was confirmed, the shares of
-- the budget from the Home Office and from PCCs and forces (as ratios of pounds, never averages
-- of shares), spend in the quarter, staff in post by role and by contract at the quarter's end
-- and leavers in the quarter by destination.
with lines as (
    select * from {{ ref('int_resource_values__current') }}
),

quarters as (
    select * from {{ ref('dim_quarter') }}
    where quarter_scheme = 'financial'
),

per_unit as (
    select
        rocu_code,
        quarter,
        any_value(submission_id) as submission_id,
        any_value(version) as version,
        sum(value) filter (where section = 'budget' and funding_group = 'home_office') as budget_home_office_gbp,
        sum(value) filter (where section = 'budget' and funding_group = 'pcc_forces') as budget_pcc_forces_gbp,
        sum(value) filter (where section = 'budget' and funding_group = 'other') as budget_other_gbp,
        sum(value) filter (where section = 'budget') as total_budget_gbp,
        max(confirmed_on) filter (where section = 'budget' and funding_group = 'home_office')
            as home_office_confirmed_on,
        max(confirmed_on) filter (where section = 'budget' and funding_group = 'pcc_forces')
            as pcc_forces_confirmed_on,
        sum(value) filter (where section = 'spend') as spend_in_quarter_gbp,
        sum(value) filter (where section = 'staff_role' and item = 'officers') as officers,
        sum(value) filter (where section = 'staff_role' and item = 'police_staff') as police_staff,
        sum(value) filter (where section = 'staff_role' and item = 'analysts_researchers') as analysts_researchers,
        sum(value) filter (where section = 'staff_role' and item = 'partner_embeds') as partner_embeds,
        sum(value) filter (where section = 'staff_role') as staff_in_post,
        sum(value) filter (where section = 'staff_contract' and item = 'permanent') as permanent_staff,
        sum(value) filter (where section = 'staff_contract' and item = 'fixed_term') as fixed_term_staff,
        sum(value) filter (where section = 'staff_contract' and funding_group in ('home_office', 'other'))
            as staff_on_grant_funding,
        sum(value) filter (where section = 'leavers' and item = 'nca') as leavers_nca,
        sum(value) filter (where section = 'leavers' and item = 'private_sector') as leavers_private_sector,
        sum(value) filter (where section = 'leavers' and item = 'back_to_force') as leavers_back_to_force,
        sum(value) filter (where section = 'leavers' and item = 'other') as leavers_other,
        coalesce(sum(value) filter (where section = 'leavers'), 0) as leavers_total
    from lines
    group by all
),

final as (
    select
        per_unit.rocu_code,
        per_unit.quarter,
        quarters.financial_year,
        quarters.quarter_label,
        quarters.first_month,
        quarters.last_month,
        per_unit.submission_id,
        per_unit.version,
        coalesce(per_unit.budget_home_office_gbp, 0) as budget_home_office_gbp,
        coalesce(per_unit.budget_pcc_forces_gbp, 0) as budget_pcc_forces_gbp,
        coalesce(per_unit.budget_other_gbp, 0) as budget_other_gbp,
        per_unit.total_budget_gbp,
        per_unit.home_office_confirmed_on,
        per_unit.pcc_forces_confirmed_on,
        round(100 * coalesce(per_unit.budget_home_office_gbp, 0) / nullif(per_unit.total_budget_gbp, 0), 1)
            as home_office_share_pct,
        round(100 * coalesce(per_unit.budget_pcc_forces_gbp, 0) / nullif(per_unit.total_budget_gbp, 0), 1)
            as pcc_forces_share_pct,
        per_unit.spend_in_quarter_gbp,
        coalesce(per_unit.officers, 0) as officers,
        coalesce(per_unit.police_staff, 0) as police_staff,
        coalesce(per_unit.analysts_researchers, 0) as analysts_researchers,
        coalesce(per_unit.partner_embeds, 0) as partner_embeds,
        per_unit.staff_in_post,
        coalesce(per_unit.permanent_staff, 0) as permanent_staff,
        coalesce(per_unit.fixed_term_staff, 0) as fixed_term_staff,
        round(100 * coalesce(per_unit.fixed_term_staff, 0) / nullif(per_unit.staff_in_post, 0), 1)
            as fixed_term_share_pct,
        coalesce(per_unit.staff_on_grant_funding, 0) as staff_on_grant_funding,
        coalesce(per_unit.leavers_nca, 0) as leavers_nca,
        coalesce(per_unit.leavers_private_sector, 0) as leavers_private_sector,
        coalesce(per_unit.leavers_back_to_force, 0) as leavers_back_to_force,
        coalesce(per_unit.leavers_other, 0) as leavers_other,
        per_unit.leavers_total
    from per_unit
    left join quarters on per_unit.quarter = quarters.quarter
)

select * from final
