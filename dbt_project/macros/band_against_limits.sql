{#- A unit's band against the network: 'higher' above the upper control limit, 'lower' below the
    lower one, else 'similar' (never a rank). The one rule for every funnel, counts and shares. -#}
{% macro band_against_limits(observed, lower, upper) -%}
case
    when {{ observed }} > {{ upper }} then 'higher'
    when {{ observed }} < {{ lower }} then 'lower'
    else 'similar'
end
{%- endmacro %}
