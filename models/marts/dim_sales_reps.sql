{#- One row per accepted salesperson. -#}
with

sales_reps as (

    select * from {{ ref('stg_billing__sales_reps') }}
    where quarantine_rule is null

),

final as (

    select
        sales_rep_id,
        sales_rep_name,
        team,
        region,
        hired_on,
        left_on,
        hired_on <= {{ as_of_date() }}
        and (left_on is null or left_on > {{ as_of_date() }}) as is_active
    from sales_reps

)

select * from final
