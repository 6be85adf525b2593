{#- One row per customer and month, from the customer's first paid month to
    the as-of month: the MRR in force at the end of the month's last day (on
    the as-of date for the current month), with the segment values in force
    then. -#}
with

customer_month_segments as (

    select * from {{ ref('int_customer_month_segments') }}

),

final as (

    select
        customer_id,
        month,
        max(mrr) as mrr,
        12 * max(mrr) as arr,
        max(mrr) > 0 as is_paying,
        {%- for segment, column in [('country', 'country_code'), ('region', 'region'),
                                    ('channel', 'channel'), ('plan', 'plan_id'),
                                    ('sales_rep_id', 'sales_rep_id')] %}
        max(case when segment = '{{ segment }}' then segment_value end) as {{ column }},
        {%- endfor %}
        bool_and(is_complete_month) as is_complete_month
    from customer_month_segments
    group by customer_id, month

)

select * from final
