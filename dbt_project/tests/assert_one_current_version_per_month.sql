-- Published figures for a unit's month come from exactly one file: at most one current
-- version per unit and month.
select rocu_code, month, count(distinct submission_id) as current_versions
from {{ ref('int_return_values__versions') }}
where is_current
group by all
having count(distinct submission_id) > 1
