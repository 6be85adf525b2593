{#- One row per customer that became a lead or started a trial, with the
    dates and whether the trial ever turned into a paying customer. A trial
    starts on `trial_started_at`, or else on the first trial line or trial
    subscription period. -#}
with

customers as (

    select * from {{ ref('stg_billing__customers') }}
    where quarantine_rule is null

),

trial_lines as (

    select
        customer_id,
        service_period_start as trial_started_on
    from {{ ref('stg_billing__line_items') }}
    where
        quarantine_rule is null
        and line_kind = 'trial'

    union all

    select
        customer_id,
        start_date as trial_started_on
    from {{ ref('stg_billing__subscriptions') }}
    where
        quarantine_rule is null
        and is_trial

),

first_trial_lines as (

    select
        customer_id,
        min(trial_started_on) as trial_started_on
    from trial_lines
    group by customer_id

),

paid_starts as (

    select
        customer_id,
        movement_date
    from {{ ref('int_customer_movements') }}
    where movement_type in ('new_business', 'reactivation')

),

funnel as (

    select
        customers.customer_id,
        customers.lead_created_on,
        coalesce(customers.trial_started_on, first_trial_lines.trial_started_on) as trial_started_on
    from customers
    left join first_trial_lines
        on customers.customer_id = first_trial_lines.customer_id

),

converted as (

    select distinct funnel.customer_id
    from funnel
    inner join paid_starts
        on
            funnel.customer_id = paid_starts.customer_id
            and paid_starts.movement_date >= funnel.trial_started_on

),

final as (

    select
        funnel.customer_id,
        funnel.lead_created_on,
        funnel.trial_started_on,
        converted.customer_id is not null as is_trial_converted
    from funnel
    left join converted
        on funnel.customer_id = converted.customer_id
    where
        (funnel.lead_created_on is not null and funnel.lead_created_on <= {{ as_of_date() }})
        or (funnel.trial_started_on is not null and funnel.trial_started_on <= {{ as_of_date() }})

)

select * from final
