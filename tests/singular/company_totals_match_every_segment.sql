{#- Every segment covers every customer (with `unassigned` where needed), so
    each segment's values add up to the company total of the same month.
    Returns the months and segments whose sums differ from segment `all`. -#}
with

sums as (

    select
        month,
        segment,
        sum(mrr) as mrr,
        sum(customers) as customers,
        sum(
            new_business_mrr + expansion_mrr + contraction_mrr + churn_mrr
            + reactivation_mrr + fx_adjustment_mrr
        ) as organic_movements
    from {{ ref('fct_segment_metrics_monthly') }}
    group by month, segment

),

company as (

    select * from sums where segment = 'all'

)

select
    sums.month,
    sums.segment,
    sums.mrr,
    company.mrr as company_mrr
from sums
inner join company
    on sums.month = company.month
where
    abs(sums.mrr - company.mrr) > 0.01
    or sums.customers != company.customers
    or abs(sums.organic_movements - company.organic_movements) > 0.01
