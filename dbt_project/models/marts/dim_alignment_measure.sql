-- The catalogue of the golden-thread measures, read by the page beside the figures.
select
    measure_id,
    measure_name,
    definition,
    components,
    reading
from {{ ref('alignment_measures') }}
