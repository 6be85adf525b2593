{#- numerator ÷ denominator as a decimal, null when the denominator is 0. -#}
{% macro safe_ratio(numerator, denominator) -%}
    case
        when ({{ denominator }}) <> 0
            then cast(({{ numerator }}) as decimal(38, 10)) / ({{ denominator }})
    end
{%- endmacro %}
