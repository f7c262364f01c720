-- Net Promoter Score per month and store: each NPS answer goes to the store of the customer's last order within
-- var nps_store_attribution_days (14) before it ('online' for a web order), else 'unattributed'. NPS is the share of
-- promoters (9-10) minus the share of detractors (0-6), in points from -100 to 100.

with

answers as (

    select
        feedback.submission_id,
        feedback.nps_category,
        feedback.submitted_at,
        customer_map.customer_id
    from {{ ref('stg_hubspot__feedback_submissions') }} as feedback
    left join {{ ref('customer_id_map') }} as customer_map
        on customer_map.source_system = 'hubspot' and feedback.contact_id = customer_map.source_record_id
    where feedback.nps_category is not null

),

orders as (

    select
        customer_id,
        ordered_at,
        channel,
        store_id
    from {{ ref('fct_orders') }}
    where customer_id is not null and is_revenue

),

stores as (

    select * from {{ ref('dim_stores') }}

),

candidates as (

    select
        answers.submission_id,
        orders.channel,
        orders.store_id,
        orders.ordered_at
    from answers
    inner join orders
        on answers.customer_id = orders.customer_id
        and answers.submitted_at >= orders.ordered_at
        and orders.ordered_at >= {{ dbt.dateadd(
            'day', -1 * var('nps_store_attribution_days'), 'answers.submitted_at'
        ) }}

),

last_order as (

    {{ first_row_per('candidates', partition_by='submission_id', order_by='ordered_at desc, store_id',
        columns=['submission_id', 'channel', 'store_id']) }}

),

attributed as (

    select
        {{ dbt.date_trunc('month', 'answers.submitted_at') }} as response_month,
        case
            when last_order.channel = 'online' then 'online'
            when last_order.store_id is not null then last_order.store_id
            else 'unattributed'
        end as store_id,
        answers.nps_category
    from answers
    left join last_order on answers.submission_id = last_order.submission_id

)

select
    cast(attributed.response_month as date) as month,  -- the published name, used by its test and docs -- noqa: RF04
    attributed.store_id,
    coalesce(stores.store_name, attributed.store_id) as store_name,
    count(*) as responses,
    count(case when attributed.nps_category = 'promoter' then 1 end) as promoters,
    count(case when attributed.nps_category = 'passive' then 1 end) as passives,
    count(case when attributed.nps_category = 'detractor' then 1 end) as detractors,
    round(
        100.0 * (
            count(case when attributed.nps_category = 'promoter' then 1 end)
            - count(case when attributed.nps_category = 'detractor' then 1 end)
        ) / count(*),
        1
    ) as nps
from attributed
left join stores on attributed.store_id = stores.store_id
group by attributed.response_month, attributed.store_id, stores.store_name
