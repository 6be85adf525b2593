{#- Parsing of raw text columns. Raw tables hold text only, so these macros
    decide what a valid value is; every macro returns null for text it cannot
    parse, and staging turns that null into a quarantine rule. The same
    patterns apply on every engine so that both parse the same rows. -#}

{% macro regex_matches(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_matches', 'revenue_warehouse')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(expression, pattern) -%}
    ({{ expression }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__regex_matches(expression, pattern) -%}
    regexp_matches({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regex_matches(expression, pattern) -%}
    ({{ expression }} rlike '{{ pattern }}')
{%- endmacro %}


{#- A date, or a timestamp with an optional UTC offset, whose UTC calendar
    date is returned. Day-first or month-first text is rejected because it is
    ambiguous. -#}
{% macro parse_date(column) -%}
    case
        when {{ regex_matches('trim(' ~ column ~ ')', date_pattern()) }}
            then {{ adapter.dispatch('utc_date_from_text', 'revenue_warehouse')('trim(' ~ column ~ ')') }}
    end
{%- endmacro %}

{% macro date_pattern() -%}
^[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)? ?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?)?$
{%- endmacro %}

{% macro offset_pattern() -%}
[0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)? ?(Z|[+-][0-9]{2}(:?[0-9]{2})?)$
{%- endmacro %}

{#- DuckDB rejects a space between the time and its offset
    (`23:30:00 -0500`, as Ruby writes times), which PostgreSQL accepts, so the
    space is removed first. -#}
{% macro duckdb__utc_date_from_text(expression) -%}
    case
        when {{ regex_matches(expression, offset_pattern()) }}
            then cast(timezone('UTC', try_cast(
                regexp_replace({{ expression }}, ' ([Z]|[+-][0-9]{2}(:?[0-9]{2})?)$', '\1')
                as timestamptz
            )) as date)
        else cast(try_cast({{ expression }} as timestamp) as date)
    end
{%- endmacro %}

{% macro postgres__utc_date_from_text(expression) -%}
    {{ target.schema }}.revenue_warehouse_utc_date({{ expression }})
{%- endmacro %}

{% macro spark__utc_date_from_text(expression) -%}
    to_date(to_utc_timestamp(try_cast({{ expression }} as timestamp), 'UTC'))
{%- endmacro %}


{#- A decimal number with at most `integer_digits` digits before the point
    and `scale` after it. Larger values are rejected rather than overflowing
    the column type. -#}
{% macro parse_decimal(column, integer_digits=12, scale=4, allow_negative=true) -%}
    case
        when {{ regex_matches('trim(' ~ column ~ ')',
            '^' ~ ('-?' if allow_negative else '') ~ '[0-9]{1,' ~ integer_digits ~ '}([.][0-9]{0,' ~ scale ~ '})?$') }}
            then cast(trim({{ column }}) as decimal({{ integer_digits + scale }}, {{ scale }}))
    end
{%- endmacro %}

{#- A positive exchange rate: a decimal, or scientific notation such as
    6.48632e-05 that exports write for tiny rates. The exponent is bounded so
    the value fits decimal(22, 12). -#}
{% macro parse_rate(column) -%}
    case
        when {{ regex_matches('trim(' ~ column ~ ')', '^[0-9]{1,10}([.][0-9]{0,12})?$') }}
            then cast(trim({{ column }}) as decimal(22, 12))
        when {{ regex_matches('trim(' ~ column ~ ')', '^[0-9]([.][0-9]{1,12})?[eE]-(0?[1-9]|1[0-2])$') }}
            then cast(trim({{ column }}) as decimal(22, 12))
    end
{%- endmacro %}

{% macro parse_integer(column, max_digits=9) -%}
    case
        when {{ regex_matches('trim(' ~ column ~ ')', '^-?[0-9]{1,' ~ max_digits ~ '}([.]0*)?$') }}
            then cast(cast(trim({{ column }}) as decimal({{ max_digits + 2 }}, 1)) as integer)
    end
{%- endmacro %}

{#- true/false in the spellings billing exports use; empty text is null. -#}
{% macro parse_boolean(column) -%}
    case
        when lower(trim({{ column }})) in ('true', 't', '1', 'yes', 'y') then true
        when lower(trim({{ column }})) in ('false', 'f', '0', 'no', 'n') then false
    end
{%- endmacro %}

{#- Trimmed text, with empty text as null. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- The raw values of a row as `column=value` pairs, kept in the quarantine so
    a reviewer sees what arrived. Personal data columns are never passed in. -#}
{% macro raw_values(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("'" ~ column ~ "='") -%}
        {%- do parts.append("coalesce(" ~ column ~ ", '')") -%}
        {%- if not loop.last -%}{%- do parts.append("'; '") -%}{%- endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}


{#- PostgreSQL has no try_cast, so a small function returns null for text
    that is not a valid date instead of failing the statement. -#}
{% macro create_parsing_functions() -%}
    {%- if target.type == 'postgres' -%}
        create or replace function {{ target.schema }}.revenue_warehouse_utc_date(value text)
        returns date
        language plpgsql
        immutable
        as $body$
        begin
            if value ~ '{{ offset_pattern() }}' then
                return cast(cast(value as timestamptz) at time zone 'UTC' as date);
            end if;
            return cast(cast(value as timestamp) as date);
        exception when others then
            return null;
        end
        $body$
    {%- else -%}
        select 1 as parsing_functions_not_needed
    {%- endif -%}
{%- endmacro %}

{#- Money rounded to the cent, half away from zero. The value passes through
    decimal(38, 8) first: DuckDB divides decimals in floating point, and
    12.675 can arrive as 12.67499999; eight decimals give both engines the
    same cent. -#}
{% macro round_money(expression) -%}
    cast(round(cast({{ expression }} as decimal(38, 8)), 2) as decimal(18, 2))
{%- endmacro %}
