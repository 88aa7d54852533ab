-- Monthly-return values with the base a reported percentage rests on, so shares combine as
-- ratios. A percentage metric whose catalogue row names a denominator_metric_id (and no
-- numerator_metric_id) is reported as a share with its base beside it in the same return
-- (PRO_CYBER_IMPROVED_PCT with PRO_CYBER_RESPONDENTS): denominator = the base's value for the
-- unit, month and force; numerator = share x base / 100 (the respondents the share stands for).
-- A share reported without its base keeps no numerator or denominator: it is not combined.
with values_reported as (
    select * exclude (inputs_fingerprint) from {{ ref('int_metric_values__from_returns') }}
),

shares as (
    select metric_id, denominator_metric_id
    from {{ ref('metrics') }}
    where unit = 'percent' and denominator_metric_id is not null and numerator_metric_id is null
),

final as (
    select
        values_reported.*,
        case when bases.value > 0 then values_reported.value * bases.value / 100.0 end as numerator,
        case when bases.value > 0 then bases.value end as denominator
    from values_reported
    left join shares on values_reported.metric_id = shares.metric_id
    left join values_reported as bases
        on shares.denominator_metric_id = bases.metric_id
        and values_reported.rocu_code = bases.rocu_code
        and values_reported.month = bases.month
        and values_reported.force_code is not distinct from bases.force_code
)

select * from final
