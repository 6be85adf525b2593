{#- One row per raw exchange rate row: one unit of `currency` is worth
    `rate_to_base` units of the base currency from `rate_date` on. -#}
with

source as (

    select * from {{ source('billing', 'exchange_rates') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

parsed as (

    select
        {{ parse_date('rate_date') }} as rate_date,
        upper({{ clean_text('currency') }}) as currency,
        {{ parse_rate('rate_to_base') }} as rate_to_base,
        {{ source_row_number(source('billing', 'exchange_rates'), 'currency, rate_date') }}
            as source_row_number,
        {{ raw_values(['rate_date', 'currency', 'rate_to_base']) }} as raw_values
    from source

),

ranked as (

    select
        parsed.*,
        row_number() over (
            partition by parsed.currency, parsed.rate_date
            order by parsed.source_row_number
        ) as rate_rank,
        currencies.currency_code is not null as is_known_currency
    from parsed
    left join currencies
        on parsed.currency = currencies.currency_code

),

final as (

    select
        rate_date,
        currency,
        rate_to_base,
        case
            when rate_date is null then 'invalid_date'
            when not is_known_currency then 'unknown_currency'
            when rate_to_base is null or rate_to_base = 0 then 'invalid_exchange_rate'
            when rate_rank > 1 then 'duplicate_exchange_rate'
        end as quarantine_rule,
        cast(null as {{ dbt.type_string() }}) as warning_rule,
        source_row_number,
        raw_values
    from ranked

)

select * from final
