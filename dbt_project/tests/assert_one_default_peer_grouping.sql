-- Exactly one grouping is the default (the one fct_metric_comparison, the papers and the regional
-- page open on); returns a row when there are none or several.
select count(*) as default_groupings
from {{ ref('peer_groupings') }}
where is_default
having count(*) <> 1
