{#- One row per accepted plan. -#}
with

plans as (

    select * from {{ ref('stg_billing__plans') }}
    where quarantine_rule is null

),

final as (

    select
        plan_id,
        plan_name,
        interval_unit,
        interval_count,
        cast(mrr_factor_denominator as decimal(18, 6)) / mrr_factor_numerator
            as months_per_interval
    from plans

)

select * from final
