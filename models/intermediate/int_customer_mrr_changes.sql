{#- One row per customer and date on which the customer's MRR changes, with
    the MRR before and after and the movement the change makes. MRR is a step
    function per customer, so only these change points are stored, never a
    customer × day grid.

    Classification (all changes of one day are netted):
    - 0 → > 0: new_business the first time, reactivation after that (or new
      business again after `reactivation_window_days` without MRR);
    - > 0 → 0: churn;
    - > 0 → > 0: the part caused by new exchange rates alone is
      fx_adjustment (previous native MRR × change of the effective rate, per
      currency) and the rest is expansion or contraction.
    A negative sum of lines (an orphan credit) counts as 0 MRR. -#}
with

lines as (

    select * from {{ ref('int_line_mrr') }}
    where mrr_start <= {{ as_of_date() }}

),

line_events as (

    select
        customer_id,
        currency,
        mrr_start as change_date,
        mrr_native as native_change,
        mrr as base_change
    from lines

    union all

    select
        customer_id,
        currency,
        mrr_end as change_date,
        -mrr_native as native_change,
        -mrr as base_change
    from lines
    where
        mrr_end is not null
        and mrr_end <= {{ as_of_date() }}

),

currency_changes as (

    select
        customer_id,
        currency,
        change_date,
        sum(native_change) as native_change,
        sum(base_change) as base_change
    from line_events
    group by customer_id, currency, change_date

),

currency_balances as (

    select
        currency_changes.*,
        sum(native_change) over (
            partition by customer_id, currency
            order by change_date
            rows between unbounded preceding and current row
        ) as native_after,
        sum(base_change) over (
            partition by customer_id, currency
            order by change_date
            rows between unbounded preceding and current row
        ) as base_after
    from currency_changes

),

currency_fx as (

    select
        customer_id,
        change_date,
        base_change,
        case
            when native_after - native_change > 0 and native_after > 0
                then {{ round_money(
                    '(native_after - native_change) * ('
                    ~ 'base_after / native_after'
                    ~ ' - (base_after - base_change) / (native_after - native_change))'
                ) }}
            else 0
        end as fx_change
    from currency_balances

),

daily as (

    select
        customer_id,
        change_date,
        sum(base_change) as base_change,
        sum(fx_change) as fx_change
    from currency_fx
    group by customer_id, change_date

),

balances as (

    select
        daily.*,
        sum(base_change) over (
            partition by customer_id
            order by change_date
            rows between unbounded preceding and current row
        ) as line_sum_after
    from daily

),

clamped as (

    select
        customer_id,
        change_date,
        fx_change,
        greatest(line_sum_after - base_change, 0) as mrr_before,
        greatest(line_sum_after, 0) as mrr_after
    from balances

),

history as (

    select
        clamped.*,
        max(case when mrr_after > 0 then 1 else 0 end) over (
            partition by customer_id
            order by change_date
            rows between unbounded preceding and 1 preceding
        ) as had_mrr_before,
        max(case when mrr_before > 0 and mrr_after = 0 then change_date end) over (
            partition by customer_id
            order by change_date
            rows between unbounded preceding and 1 preceding
        ) as last_churned_on
    from clamped
    where mrr_before != mrr_after or fx_change != 0

),

final as (

    select
        customer_id,
        change_date,
        mrr_before,
        mrr_after,
        mrr_after - mrr_before as mrr_change,
        case
            when mrr_before > 0 and mrr_after > 0 then fx_change
            else cast(0 as decimal(18, 2))
        end as fx_adjustment,
        case
            when mrr_before > 0 and mrr_after > 0 then mrr_after - mrr_before - fx_change
            else mrr_after - mrr_before
        end as organic_change,
        case
            when mrr_before = 0 and mrr_after > 0 and coalesce(had_mrr_before, 0) = 0
                then 'new_business'
            {% if var('reactivation_window_days') is not none -%}
            when mrr_before = 0 and mrr_after > 0
                and {{ days_between('last_churned_on', 'change_date') }}
                    > {{ var('reactivation_window_days') }}
                then 'new_business'
            {% endif -%}
            when mrr_before = 0 and mrr_after > 0 then 'reactivation'
            when mrr_before > 0 and mrr_after = 0 then 'churn'
            when mrr_after - mrr_before - fx_change > 0 then 'expansion'
            when mrr_after - mrr_before - fx_change < 0 then 'contraction'
        end as organic_movement_type
    from history

)

select * from final
