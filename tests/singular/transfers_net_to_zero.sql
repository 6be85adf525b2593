{#- Transfers move MRR between segment values and never change the company
    total: per month and segment, transfers in and out cancel. Returns the
    months and segments where they do not. -#}
select
    movement_month,
    transfer_segment,
    sum(mrr_change) as net_transfer
from {{ ref('fct_mrr_movements') }}
where transfer_segment is not null
group by movement_month, transfer_segment
having abs(sum(mrr_change)) > 0.001
