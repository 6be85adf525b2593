{#- One row per billing line that carries MRR, with its MRR in the line's
    currency and in the base currency and the interval it counts over.

    MRR of a line = amount normalised to one month by the plan's interval
    (month ÷ count, year ÷ 12 × count, week × 52 ÷ 12, day × 365.25 ÷ 12). A
    prorated line is first scaled to a full interval: amount × full interval
    ÷ covered time, where the full interval is the plan interval that ends at
    the line's service-period end, so a credit cancels exactly the MRR it
    refunds. Each line's MRR is rounded to the cent. Tax is not part of
    `amount`, so it never reaches MRR. The line converts at the latest rate on
    or before its service-period start. -#}
with

lines as (

    select * from {{ ref('int_billing_lines') }}

),

plans as (

    select * from {{ ref('stg_billing__plans') }}
    where quarantine_rule is null

),

rates as (

    select * from {{ ref('int_exchange_rate_periods') }}

),

cancellations as (

    -- A subscription is cancelled on the latest cancellation date any of its
    -- lines carries.
    select
        subscription_id,
        max(cancelled_on) as cancelled_on
    from lines
    where cancelled_on is not null
    group by subscription_id

),

{%- if var('past_due_churn_days') is not none %}

unpaid_invoices as (

    -- Invoices with at least one failed payment and no successful one.
    select invoice_id
    from {{ ref('stg_billing__transactions') }}
    where
        quarantine_rule is null
        and transaction_kind = 'payment'
    group by invoice_id
    having
        sum(case when transaction_result = 'successful' then 1 else 0 end) = 0
        and sum(case when transaction_result = 'failed' then 1 else 0 end) > 0

),

{%- endif %}

with_plan as (

    select
        lines.*,
        plans.interval_unit,
        plans.interval_count,
        plans.mrr_factor_numerator,
        plans.mrr_factor_denominator,
        case plans.interval_unit
            when 'day' then {{ add_interval('day', '-plans.interval_count', 'lines.period_end') }}
            when
                'week'
                then {{ add_interval('day', '-7 * plans.interval_count', 'lines.period_end') }}
            when
                'month'
                then {{ add_interval('month', '-plans.interval_count', 'lines.period_end') }}
            when
                'year'
                then {{ add_interval('month', '-12 * plans.interval_count', 'lines.period_end') }}
        end as full_interval_start
    from lines
    inner join plans
        on lines.plan_id = plans.plan_id

),

scaled as (

    select
        with_plan.*,
        case
            when is_prorated
                then {{ days_between('full_interval_start', 'period_end') }}
            else 1
        end as full_interval_days,
        case
            when is_prorated
                then {{ days_between('period_start', 'period_end') }}
            else 1
        end as covered_days
    from with_plan

),

native as (

    select
        scaled.*,
        {{ round_money(
            'amount * full_interval_days * mrr_factor_numerator'
            ~ ' / (covered_days * mrr_factor_denominator)'
        ) }} as mrr_native
    from scaled

),

converted as (

    select
        native.*,
        case
            when native.currency = '{{ var("base_currency") }}' then cast(1 as decimal(22, 12))
            else rates.rate_to_base
        end as rate_to_base,
        case
            when native.currency = '{{ var("base_currency") }}' then native.mrr_native
            else {{ round_money('native.mrr_native * rates.rate_to_base') }}
        end as mrr
    from native
    left join rates
        on
            native.currency = rates.currency
            and native.period_start >= rates.valid_from
            and (native.period_start < rates.valid_to or rates.valid_to is null)

),

recognised as (

    select
        converted.*,
        cancellations.cancelled_on as subscription_cancelled_on,
        {%- set service_end = 'converted.period_end' %}
        {%- if var('churn_recognition') == 'cancellation' %}
        {%- set service_end -%}
        case
            when cancellations.cancelled_on is not null
                and (converted.period_end is null or cancellations.cancelled_on < converted.period_end)
                then greatest(converted.period_start, cancellations.cancelled_on)
            else converted.period_end
        end
        {%- endset %}
        {%- endif %}
        {%- if var('past_due_churn_days') is not none %}
        {%- set due_date = add_interval('day', var('past_due_churn_days'), 'converted.invoice_date') %}
        case
            when unpaid_invoices.invoice_id is not null
                and {{ due_date }} < coalesce({{ service_end }}, {{ add_interval('day', 1, as_of_date()) }})
                then greatest(converted.period_start, {{ due_date }})
            else {{ service_end }}
        end as mrr_end
        {%- else %}
        {{ service_end }} as mrr_end
        {%- endif %}
    from converted
    left join cancellations
        on converted.subscription_id = cancellations.subscription_id
    {%- if var('past_due_churn_days') is not none %}
    left join unpaid_invoices
        on converted.invoice_id = unpaid_invoices.invoice_id
    {%- endif %}

),

final as (

    select
        line_key,
        source_table,
        customer_id,
        subscription_id,
        plan_id,
        invoice_id,
        currency,
        amount,
        is_prorated,
        full_interval_days,
        covered_days,
        rate_to_base,
        mrr_native,
        mrr,
        period_start,
        period_end,
        period_start as mrr_start,
        mrr_end
    from recognised
    where
        mrr_native != 0
        and (mrr_end is null or mrr_end > period_start)

)

select * from final
