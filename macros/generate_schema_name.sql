{#- Layers go to fixed schemas (raw, reference, staging, intermediate, marts)
    so that BI tools and scripts find the marts under one stable name on every
    engine, instead of dbt's default `<target schema>_<custom schema>`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
