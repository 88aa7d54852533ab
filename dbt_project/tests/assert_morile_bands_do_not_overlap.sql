-- Every MoRiLE score falls in at most one band of seeds/reference/morile_bands.csv.
select
    a.morile_band,
    b.morile_band as overlapping_band
from {{ ref('morile_bands') }} as a
inner join {{ ref('morile_bands') }} as b
    on a.morile_band < b.morile_band
    and a.min_score <= b.max_score
    and a.max_score >= b.min_score
