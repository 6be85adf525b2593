{#- One row per customer and month from the customer's first paid month to
    the as-of month, with the MRR in force at the end of the month's last day
    (or on the as-of date for the current month). -#}
with

changes as (

    select * from {{ ref('int_customer_mrr_changes') }}

),

months as (

    {{ dbt.date_spine(
        'month',
        "cast('" ~ var('calendar_start') ~ "' as date)",
        add_interval('month', 1, month_start(as_of_date()))
    ) }}

),

calendar as (

    select
        cast(date_month as date) as month_start,
        least({{ month_end('cast(date_month as date)') }}, {{ as_of_date() }}) as balance_date
    from months
    where cast(date_month as date) <= {{ as_of_date() }}

),

first_paid as (

    select
        customer_id,
        min(change_date) as first_paid_on
    from changes
    where mrr_after > 0
    group by customer_id

),

change_periods as (

    select
        customer_id,
        change_date,
        mrr_after,
        lead(change_date) over (partition by customer_id order by change_date) as next_change_date
    from changes

),

grid as (

    select
        first_paid.customer_id,
        first_paid.first_paid_on,
        calendar.month_start,
        calendar.balance_date
    from first_paid
    inner join calendar
        on calendar.month_start >= {{ month_start('first_paid.first_paid_on') }}

),

final as (

    select
        grid.customer_id,
        grid.month_start as month,
        grid.balance_date,
        -- A month is complete once the as-of date reaches its last day.
        {{ month_end('grid.month_start') }} <= {{ as_of_date() }} as is_complete_month,
        coalesce(change_periods.mrr_after, 0) as mrr
    from grid
    left join change_periods
        on
            grid.customer_id = change_periods.customer_id
            and change_periods.change_date <= grid.balance_date
            and (
                change_periods.next_change_date > grid.balance_date
                or change_periods.next_change_date is null
            )

)

select * from final
