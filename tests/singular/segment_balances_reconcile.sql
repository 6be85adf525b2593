{#- For every month, segment and segment value: MRR at the end equals MRR at
    the start plus the signed sum of the month's movements, transfers
    included. Returns the rows that are off by more than a cent. -#}
select
    month,
    segment,
    segment_value,
    mrr_start,
    mrr,
    net_new_mrr
from {{ ref('fct_segment_metrics_monthly') }}
where abs(mrr - (mrr_start + net_new_mrr)) > 0.01
