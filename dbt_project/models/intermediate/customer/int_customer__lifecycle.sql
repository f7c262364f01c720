-- One row per customer: recency, purchase frequency and lifecycle stage as of the run's as-of time.
-- Stages: lead (no order), new (first order within var lifecycle_new_days), active (last order within
-- lifecycle_active_days), at_risk (within lifecycle_at_risk_days), lapsed (older).

with

transactions as (

    select * from {{ ref('int_customer__transactions') }}

),

as_of as (

    select as_of_at from {{ ref('int_run_as_of') }}

),

measured as (

    select
        transactions.customer_id,
        transactions.order_count,
        cast(
            {{ dbt.datediff('transactions.last_order_at', 'as_of.as_of_at', 'day') | trim }} as bigint
        ) as recency_days,
        cast(
            {{ dbt.datediff('transactions.first_order_at', 'as_of.as_of_at', 'day') | trim }} as bigint
        ) as days_since_first_order
    from transactions
    cross join as_of

)

select
    customer_id,
    recency_days,
    days_since_first_order,
    -- orders per 30 days between the first order and the as-of time (at least one period)
    case
        when order_count > 0 then cast(order_count as double) / greatest(1.0, days_since_first_order / 30.0)
    end as orders_per_month,
    case
        when order_count = 0 then 'lead'
        when days_since_first_order <= {{ var('lifecycle_new_days') }} then 'new'
        when recency_days <= {{ var('lifecycle_active_days') }} then 'active'
        when recency_days <= {{ var('lifecycle_at_risk_days') }} then 'at_risk'
        else 'lapsed'
    end as lifecycle_stage
from measured
