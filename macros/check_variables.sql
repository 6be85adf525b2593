{#- Reject invalid values of the behavioural variables before any model runs,
    with a message naming the variable, the value and the accepted values. -#}
{% macro check_variables() %}
    {%- set problems = [] -%}
    {%- set choices = {
        'churn_recognition': ['service_end', 'cancellation'],
        'refund_handling': ['ignore', 'deduct'],
    } -%}
    {%- for name, accepted in choices.items() -%}
        {%- if var(name) not in accepted -%}
            {%- do problems.append(name ~ "='" ~ var(name) ~ "': use " ~ accepted | join(' or ')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in ['past_due_churn_days', 'reactivation_window_days'] -%}
        {%- set value = var(name) -%}
        {%- if value is not none and not (value | string).isdigit() -%}
            {%- do problems.append(name ~ "='" ~ value ~ "': use a whole number of days (0 or more), or leave it empty") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set currency = var('base_currency') | string -%}
    {%- if currency | length != 3 or not currency.isalpha() or not currency.isupper() -%}
        {%- do problems.append("base_currency='" ~ currency ~ "': use an ISO 4217 code in capitals, such as USD or EUR") -%}
    {%- endif -%}
    {%- for name in ['as_of_date', 'calendar_start'] -%}
        {%- set value = var(name) -%}
        {%- if value is not none and not modules.re.match(
            '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$', value | string) -%}
            {%- do problems.append(name ~ "='" ~ value ~ "': use a date as YYYY-MM-DD") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error("Invalid variable " ~ problems | join('; ')) }}
    {%- endif -%}
    {{ return('select 1 as variables_checked') }}
{% endmacro %}
