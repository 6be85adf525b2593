{#- Date helpers that return dates (not timestamps) on every engine. -#}

{#- The date the warehouse is built for: the `as_of_date` variable, or the
    run's UTC date when it is empty. -#}
{% macro as_of_date() -%}
    {%- set configured = var('as_of_date', none) -%}
    {%- if configured -%}
        cast('{{ configured }}' as date)
    {%- else -%}
        cast('{{ run_started_at.strftime("%Y-%m-%d") }}' as date)
    {%- endif -%}
{%- endmacro %}

{% macro month_start(expression) -%}
    cast({{ dbt.date_trunc('month', expression) }} as date)
{%- endmacro %}

{% macro add_interval(datepart, interval, expression) -%}
    cast({{ dbt.dateadd(datepart, interval, expression) }} as date)
{%- endmacro %}

{% macro days_between(start_expression, end_expression) -%}
    {{ dbt.datediff(start_expression, end_expression, 'day') }}
{%- endmacro %}

{#- Last day of the month that starts on `month_expression`. -#}
{% macro month_end(month_expression) -%}
    {{ add_interval('day', -1, add_interval('month', 1, month_expression)) }}
{%- endmacro %}

{#- The 1-based row of the raw file that a raw row came from. The loader adds
    `_source_row_number`; a raw schema filled by other tools may lack it, and
    then rows are numbered by `fallback_order`. -#}
{% macro source_row_number(relation, fallback_order) -%}
    {%- set has_column = false -%}
    {%- if execute -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list -%}
        {%- set has_column = '_source_row_number' in columns -%}
    {%- endif -%}
    {%- if has_column -%}
        cast(_source_row_number as integer)
    {%- else -%}
        {#- NOTE: rows with the same key tie in this order, so which duplicate
            is accepted can differ between engines; load with the loader to get
            file order. -#}
        cast(row_number() over (order by {{ fallback_order }}) as integer)
    {%- endif -%}
{%- endmacro %}
