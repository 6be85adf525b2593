{#- One row per currency and rate date, with the date the next rate takes
    over (exclusive; null while the rate is the latest). -#}
with

rates as (

    select
        currency,
        rate_date,
        rate_to_base
    from {{ ref('stg_billing__exchange_rates') }}
    where quarantine_rule is null

),

final as (

    select
        currency,
        rate_to_base,
        rate_date as valid_from,
        lead(rate_date) over (partition by currency order by rate_date) as valid_to
    from rates

)

select * from final
