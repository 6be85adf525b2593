{#- One row per accepted customer, leads and trialists included, with the
    segment values and MRR in force on the as-of date. -#}
with

customers as (

    select * from {{ ref('stg_billing__customers') }}
    where quarantine_rule is null

),

countries as (

    select * from {{ ref('dim_countries') }}

),

history as (

    select * from {{ ref('int_customer_segment_history') }}
    where valid_to is null

),

changes as (

    select * from {{ ref('int_customer_mrr_changes') }}

),

first_new_business as (

    select
        customer_id,
        min(movement_date) as first_paid_on
    from {{ ref('int_customer_movements') }}
    where movement_type = 'new_business'
    group by customer_id

),

latest_change as (

    select
        customer_id,
        mrr_after,
        row_number() over (partition by customer_id order by change_date desc) as recency
    from changes

),

final as (

    select
        customers.customer_id,
        customers.country_code,
        countries.country_name,
        countries.region,
        customers.channel,
        customers.created_on as created_at,
        customers.lead_created_on as lead_created_at,
        customers.trial_started_on as trial_started_at,
        first_new_business.first_paid_on,
        {{ month_start('first_new_business.first_paid_on') }} as cohort_month,
        coalesce(latest_change.mrr_after, 0) as current_mrr,
        coalesce(latest_change.mrr_after, 0) > 0 as is_paying,
        sales_rep.segment_value as sales_rep_id
    from customers
    left join countries
        on customers.country_code = countries.country_code
    left join first_new_business
        on customers.customer_id = first_new_business.customer_id
    left join latest_change
        on
            customers.customer_id = latest_change.customer_id
            and latest_change.recency = 1
    left join history as sales_rep
        on
            customers.customer_id = sales_rep.customer_id
            and sales_rep.segment = 'sales_rep_id'

)

select * from final
