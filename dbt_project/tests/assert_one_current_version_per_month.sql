-- At most one accepted, not superseded version per unit and month: published figures come
-- from exactly one file.
select rocu_code, month, count(*) as current_versions
from {{ ref('stg_intake__submissions') }}
where state in ('accepted', 'accepted_with_warnings')
group by all
having count(*) > 1
