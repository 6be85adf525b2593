{#- One row per cohort month, months since start, segment and segment value.
    A customer's cohort is the month of its first new_business movement,
    cut by the segment values in force on that day. Retention counts the
    cohort's customers still paying at each month end and their MRR, as a
    share of the cohort's size and of its new-business MRR. -#}
with

movements as (

    select * from {{ ref('int_customer_movements') }}

),

customer_months as (

    select * from {{ ref('int_customer_months') }}

),

history as (

    select * from {{ ref('int_customer_segment_history') }}

),

first_new_business as (

    select
        customer_id,
        movement_date as cohort_started_on,
        mrr_change as cohort_mrr,
        row_number() over (partition by customer_id order by movement_date) as start_rank
    from movements
    where movement_type = 'new_business'

),

cohort_members as (

    select
        first_new_business.customer_id,
        first_new_business.cohort_started_on,
        {{ month_start('first_new_business.cohort_started_on') }} as cohort_month,
        first_new_business.cohort_mrr,
        history.segment,
        history.segment_value
    from first_new_business
    inner join history
        on
            first_new_business.customer_id = history.customer_id
            and first_new_business.cohort_started_on >= history.valid_from
            and (
                first_new_business.cohort_started_on < history.valid_to
                or history.valid_to is null
            )
    where first_new_business.start_rank = 1

),

cohort_sizes as (

    select
        cohort_month,
        segment,
        segment_value,
        count(*) as cohort_customers,
        sum(cohort_mrr) as cohort_mrr
    from cohort_members
    group by cohort_month, segment, segment_value

),

member_months as (

    select
        cohort_members.cohort_month,
        cohort_members.segment,
        cohort_members.segment_value,
        customer_months.month,
        customer_months.mrr
    from cohort_members
    inner join customer_months
        on
            cohort_members.customer_id = customer_months.customer_id
            and customer_months.month >= cohort_members.cohort_month

),

retained as (

    select
        cohort_month,
        segment,
        segment_value,
        month,
        sum(case when mrr > 0 then 1 else 0 end) as customers_retained,
        sum(mrr) as mrr_retained
    from member_months
    group by cohort_month, segment, segment_value, month

),

final as (

    select
        retained.cohort_month,
        {{ dbt.datediff('retained.cohort_month', 'retained.month', 'month') }} as months_since_start, -- noqa: LT05
        retained.month,
        retained.segment,
        retained.segment_value,
        cohort_sizes.cohort_customers,
        cohort_sizes.cohort_mrr,
        retained.customers_retained,
        retained.mrr_retained,
        {{ safe_ratio('retained.customers_retained', 'cohort_sizes.cohort_customers') }}
            as customer_retention,
        {{ safe_ratio('retained.mrr_retained', 'cohort_sizes.cohort_mrr') }} as mrr_retention
    from retained
    inner join cohort_sizes
        on
            retained.cohort_month = cohort_sizes.cohort_month
            and retained.segment = cohort_sizes.segment
            and retained.segment_value = cohort_sizes.segment_value

)

select * from final
