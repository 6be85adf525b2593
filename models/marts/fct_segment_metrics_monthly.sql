{#- One row per month, segment and segment value. Every ratio is computed
    from the summed parts of its own row, never by averaging the ratios of
    smaller segments. Point in time: balances use the segment values in force
    at each month end, movements those in force on their date. -#}
with

customer_month_segments as (

    select * from {{ ref('int_customer_month_segments') }}

),

segment_movements as (

    select
        {{ month_start('movement_date') }} as month,
        segment,
        segment_value,
        customer_id,
        movement_type,
        mrr_change
    from {{ ref('int_segment_movements') }}

),

customer_movements as (

    select
        {{ month_start('movement_date') }} as month,
        customer_id,
        movement_type,
        mrr_change
    from {{ ref('int_customer_movements') }}

),

customer_months as (

    select * from {{ ref('int_customer_months') }}

),

funnel as (

    select * from {{ ref('int_customer_funnel') }}

),

history as (

    select * from {{ ref('int_customer_segment_history') }}

),

calendar as (

    select distinct
        month,
        is_complete_month
    from customer_months

),

end_balances as (

    select
        month,
        segment,
        segment_value,
        sum(mrr) as mrr,
        sum(case when mrr > 0 then 1 else 0 end) as customers
    from customer_month_segments
    group by month, segment, segment_value

),

start_balances as (

    select
        {{ add_interval('month', 1, 'month') }} as month,
        segment,
        segment_value,
        sum(mrr) as mrr_start,
        sum(case when mrr > 0 then 1 else 0 end) as customers_start
    from customer_month_segments
    group by month, segment, segment_value

),

movement_sums as (

    select
        month,
        segment,
        segment_value,
        {%- for movement_type in ['new_business', 'expansion', 'contraction', 'churn',
                                  'reactivation', 'fx_adjustment', 'transfer_in', 'transfer_out'] %}
        sum(case when movement_type = '{{ movement_type }}' then mrr_change else 0 end)
            as {{ movement_type }}_mrr,
        {%- endfor %}
        count(distinct case when movement_type = 'new_business' then customer_id end)
            as new_customers,
        count(distinct case when movement_type = 'reactivation' then customer_id end)
            as reactivated_customers
    from segment_movements
    group by month, segment, segment_value

),

-- The churn rate only counts customers who were in the segment value at the
-- start of the month. So customers who started or came back in the month are
-- left out of its churned customers, and so are customers who moved in.
started_in_month as (

    select distinct
        month,
        customer_id
    from customer_movements
    where movement_type in ('new_business', 'reactivation')

),

churned as (

    select
        segment_movements.month,
        segment_movements.segment,
        segment_movements.segment_value,
        count(distinct segment_movements.customer_id) as churned_customers
    from segment_movements
    inner join customer_month_segments as starting
        on
            segment_movements.customer_id = starting.customer_id
            and segment_movements.segment = starting.segment
            and segment_movements.segment_value = starting.segment_value
            and segment_movements.month = {{ add_interval('month', 1, 'starting.month') }}
            and starting.mrr > 0
    left join started_in_month
        on
            segment_movements.month = started_in_month.month
            and segment_movements.customer_id = started_in_month.customer_id
    where
        segment_movements.movement_type = 'churn'
        and started_in_month.customer_id is null
    group by segment_movements.month, segment_movements.segment, segment_movements.segment_value

),

-- Revenue retention: customers paying at the start of the month (end of
-- the previous one), and what they pay at its end without reactivations.
reactivations as (

    select
        month,
        customer_id,
        sum(mrr_change) as reactivation_mrr
    from customer_movements
    where movement_type = 'reactivation'
    group by month, customer_id

),

retained as (

    select
        {{ add_interval('month', 1, 'starting.month') }} as month,
        starting.segment,
        starting.segment_value,
        starting.customer_id,
        starting.mrr as mrr_start,
        greatest(
            coalesce(ending.mrr, 0) - coalesce(reactivations.reactivation_mrr, 0), 0
        ) as mrr_end
    from customer_month_segments as starting
    left join customer_months as ending
        on
            starting.customer_id = ending.customer_id
            and ending.month = {{ add_interval('month', 1, 'starting.month') }}
    left join reactivations
        on
            starting.customer_id = reactivations.customer_id
            and reactivations.month = {{ add_interval('month', 1, 'starting.month') }}
    where starting.mrr > 0

),

retention as (

    select
        month,
        segment,
        segment_value,
        sum(mrr_start) as retention_base_mrr,
        sum(mrr_end) as net_retained_mrr,
        sum(case when mrr_end < mrr_start then mrr_end else mrr_start end) as gross_retained_mrr
    from retained
    group by month, segment, segment_value

),

funnel_segments as (

    select
        history.segment,
        history.segment_value,
        funnel.customer_id,
        {{ month_start('funnel.lead_created_on') }} as lead_month,
        cast(null as date) as trial_month,
        false as is_trial_converted
    from funnel
    inner join history
        on
            funnel.customer_id = history.customer_id
            and funnel.lead_created_on >= history.valid_from
            and (funnel.lead_created_on < history.valid_to or history.valid_to is null)
    where funnel.lead_created_on is not null

    union all

    select
        history.segment,
        history.segment_value,
        funnel.customer_id,
        cast(null as date) as lead_month,
        {{ month_start('funnel.trial_started_on') }} as trial_month,
        funnel.is_trial_converted
    from funnel
    inner join history
        on
            funnel.customer_id = history.customer_id
            and funnel.trial_started_on >= history.valid_from
            and (funnel.trial_started_on < history.valid_to or history.valid_to is null)
    where funnel.trial_started_on is not null

),

funnel_counts as (

    select
        coalesce(lead_month, trial_month) as month,
        segment,
        segment_value,
        count(distinct case when lead_month is not null then customer_id end) as leads,
        count(distinct case when trial_month is not null then customer_id end) as trials,
        count(distinct case
            when trial_month is not null and is_trial_converted
                then customer_id
        end) as trials_converted
    from funnel_segments
    group by coalesce(lead_month, trial_month), segment, segment_value

),

row_keys as (

    select
        month,
        segment,
        segment_value
    from end_balances
    union
    select
        month,
        segment,
        segment_value
    from start_balances
    union
    select
        month,
        segment,
        segment_value
    from movement_sums
    union
    select
        month,
        segment,
        segment_value
    from funnel_counts

),

joined as (

    select
        row_keys.month,
        row_keys.segment,
        row_keys.segment_value,
        calendar.is_complete_month,
        coalesce(start_balances.mrr_start, 0) as mrr_start,
        coalesce(end_balances.mrr, 0) as mrr,
        coalesce(start_balances.customers_start, 0) as customers_start,
        coalesce(end_balances.customers, 0) as customers,
        coalesce(movement_sums.new_customers, 0) as new_customers,
        coalesce(movement_sums.reactivated_customers, 0) as reactivated_customers,
        coalesce(churned.churned_customers, 0) as churned_customers,
        {%- for movement_type in ['new_business', 'expansion', 'contraction', 'churn',
                                  'reactivation', 'fx_adjustment', 'transfer_in', 'transfer_out'] %}
        coalesce(movement_sums.{{ movement_type }}_mrr, 0) as {{ movement_type }}_mrr,
        {%- endfor %}
        coalesce(retention.retention_base_mrr, 0) as retention_base_mrr,
        coalesce(retention.net_retained_mrr, 0) as net_retained_mrr,
        coalesce(retention.gross_retained_mrr, 0) as gross_retained_mrr,
        coalesce(funnel_counts.leads, 0) as leads,
        coalesce(funnel_counts.trials, 0) as trials,
        coalesce(funnel_counts.trials_converted, 0) as trials_converted
    from row_keys
    inner join calendar
        on row_keys.month = calendar.month
    left join end_balances
        on
            row_keys.month = end_balances.month
            and row_keys.segment = end_balances.segment
            and row_keys.segment_value = end_balances.segment_value
    left join start_balances
        on
            row_keys.month = start_balances.month
            and row_keys.segment = start_balances.segment
            and row_keys.segment_value = start_balances.segment_value
    left join movement_sums
        on
            row_keys.month = movement_sums.month
            and row_keys.segment = movement_sums.segment
            and row_keys.segment_value = movement_sums.segment_value
    left join churned
        on
            row_keys.month = churned.month
            and row_keys.segment = churned.segment
            and row_keys.segment_value = churned.segment_value
    left join retention
        on
            row_keys.month = retention.month
            and row_keys.segment = retention.segment
            and row_keys.segment_value = retention.segment_value
    left join funnel_counts
        on
            row_keys.month = funnel_counts.month
            and row_keys.segment = funnel_counts.segment
            and row_keys.segment_value = funnel_counts.segment_value

),

final as (

    select
        month,
        segment,
        segment_value,
        is_complete_month,
        mrr_start,
        mrr,
        12 * mrr as arr,
        customers_start,
        customers,
        new_customers,
        reactivated_customers,
        churned_customers,
        new_business_mrr,
        expansion_mrr,
        contraction_mrr,
        churn_mrr,
        reactivation_mrr,
        fx_adjustment_mrr,
        transfer_in_mrr,
        transfer_out_mrr,
        new_business_mrr + expansion_mrr + contraction_mrr + churn_mrr + reactivation_mrr
        + fx_adjustment_mrr + transfer_in_mrr + transfer_out_mrr as net_new_mrr,
        {{ safe_ratio('mrr', 'customers') }} as arpa,
        {{ safe_ratio('new_business_mrr', 'new_customers') }} as asp,
        {{ safe_ratio('churned_customers', 'customers_start') }} as customer_churn_rate,
        {{ safe_ratio('-(churn_mrr + contraction_mrr)', 'mrr_start') }} as gross_mrr_churn_rate,
        {{ safe_ratio('-(churn_mrr + contraction_mrr + expansion_mrr + reactivation_mrr)',
                      'mrr_start') }} as net_mrr_churn_rate,
        {{ safe_ratio('net_retained_mrr', 'retention_base_mrr') }} as net_revenue_retention,
        {{ safe_ratio('gross_retained_mrr', 'retention_base_mrr') }} as gross_revenue_retention,
        {{ safe_ratio('new_business_mrr + expansion_mrr + reactivation_mrr',
                      '-(churn_mrr + contraction_mrr)') }} as quick_ratio,
        {#- NOTE: Spark rounds each decimal quotient here to 6 decimals, so on
            Spark ltv can differ from DuckDB and PostgreSQL by a few millionths
            (2.3e-6 at most on the merged default build of tests/cases). -#}
        case
            when customers > 0 and churned_customers > 0 and customers_start > 0
                then (1.0 * mrr / customers) / (1.0 * churned_customers / customers_start)
        end as ltv,
        leads,
        trials,
        trials_converted,
        {{ safe_ratio('trials_converted', 'trials') }} as trial_conversion_rate
    from joined

)

select * from final
