{#- One row per raw subscription period (period-based billing). `amount` is
    the price of one billing interval for the whole quantity. -#}
with

source as (

    select * from {{ source('billing', 'subscriptions') }}

),

customers as (

    select customer_id from {{ ref('stg_billing__customers') }}
    where quarantine_rule is null

),

plans as (

    select plan_id from {{ ref('stg_billing__plans') }}
    where quarantine_rule is null

),

currencies as (

    select currency_code from {{ ref('currencies') }}

),

first_rates as (

    select
        currency,
        min(rate_date) as first_rate_date
    from {{ ref('stg_billing__exchange_rates') }}
    where quarantine_rule is null
    group by currency

),

parsed as (

    select
        {{ clean_text('subscription_id') }} as subscription_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('plan_id') }} as plan_id,
        {{ parse_date('start_date') }} as start_date,
        {{ parse_date('end_date') }} as end_date,
        upper({{ clean_text('currency') }}) as currency,
        {{ parse_decimal('amount') }} as amount,
        coalesce({{ parse_integer('quantity') }}, 1) as quantity,
        coalesce({{ parse_boolean('is_trial') }}, false) as is_trial,
        {{ clean_text('end_date') }} as end_date_raw,
        {{ clean_text('quantity') }} as quantity_raw,
        {{ clean_text('is_trial') }} as is_trial_raw,
        {{ source_row_number(source('billing', 'subscriptions'), 'subscription_id, start_date') }}
            as source_row_number,
        {{ raw_values(['subscription_id', 'customer_id', 'plan_id', 'start_date', 'end_date',
                       'currency', 'amount', 'quantity', 'is_trial']) }} as raw_values
    from source

),

checked as (

    select
        parsed.*,
        case
            when parsed.subscription_id is null then 'missing_subscription_id'
            when parsed.customer_id is null or customers.customer_id is null then 'unknown_customer'
            when parsed.plan_id is null or plans.plan_id is null then 'unknown_plan'
            when
                parsed.start_date is null
                or (parsed.end_date is null and parsed.end_date_raw is not null)
                then 'invalid_date'
            -- The same period twice: under the same id, or re-imported under
            -- another id with the same customer, plan, dates and price.
            when row_number() over (
                partition by parsed.subscription_id, parsed.start_date
                order by parsed.source_row_number
            ) > 1 then 'duplicate_subscription_period'
            when row_number() over (
                partition by
                    parsed.customer_id,
                    parsed.plan_id,
                    parsed.start_date,
                    parsed.end_date,
                    parsed.currency,
                    parsed.amount,
                    parsed.quantity,
                    parsed.is_trial
                order by parsed.source_row_number
            ) > 1 then 'duplicate_subscription_period'
            when
                parsed.amount is null
                or (
                    {{ parse_integer('parsed.quantity_raw') }} is null
                    and parsed.quantity_raw is not null
                )
                or (
                    {{ parse_boolean('parsed.is_trial_raw') }} is null
                    and parsed.is_trial_raw is not null
                )
                then 'invalid_amount'
            when parsed.end_date < parsed.start_date then 'end_before_start'
            when parsed.end_date = parsed.start_date then 'empty_service_period'
            when parsed.amount < 0 then 'negative_amount_not_prorated'
            when parsed.currency is null or currencies.currency_code is null then 'unknown_currency'
            when
                not parsed.is_trial
                and parsed.currency != '{{ var("base_currency") }}'
                and (
                    first_rates.first_rate_date is null
                    or first_rates.first_rate_date > parsed.start_date
                )
                then 'missing_exchange_rate'
        end as quarantine_rule
    from parsed
    left join customers
        on parsed.customer_id = customers.customer_id
    left join plans
        on parsed.plan_id = plans.plan_id
    left join currencies
        on parsed.currency = currencies.currency_code
    left join first_rates
        on parsed.currency = first_rates.currency

),

final as (

    select
        subscription_id,
        customer_id,
        plan_id,
        start_date,
        end_date,
        currency,
        amount,
        quantity,
        is_trial,
        quarantine_rule,
        case
            when start_date > {{ as_of_date() }} then 'after_as_of_date'
        end as warning_rule,
        source_row_number,
        raw_values
    from checked

)

select * from final
