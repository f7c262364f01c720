-- One row per customer: favourite store, product and category, and the usual payment method, channel, weekday
-- and hour of their revenue orders. Each favourite is the value with most orders (units for products and
-- categories), ties to the most recent, then the smallest value.

with

customers as (

    select distinct customer_id from {{ ref('customer_id_map') }}

),

orders as (

    select * from {{ ref('fct_orders') }}
    where customer_id is not null and is_revenue

),

order_lines as (

    select * from {{ ref('fct_order_lines') }}
    where customer_id is not null and is_revenue

),

stores as (

    select * from {{ ref('dim_stores') }}

),

store_counts as (

    select customer_id, store_id, count(*) as orders, max({{ epoch_seconds('ordered_at') }}) as latest
    from orders
    where channel = 'in_store' and store_id is not null
    group by customer_id, store_id

),

payment_counts as (

    select customer_id, payment_method, count(*) as orders, max({{ epoch_seconds('ordered_at') }}) as latest
    from orders
    where payment_method is not null
    group by customer_id, payment_method

),

channel_counts as (

    select customer_id, channel, count(*) as orders, max({{ epoch_seconds('ordered_at') }}) as latest
    from orders
    group by customer_id, channel

),

day_counts as (

    select customer_id, ordered_local_day_of_week, count(*) as orders, max({{ epoch_seconds('ordered_at') }}) as latest
    from orders
    group by customer_id, ordered_local_day_of_week

),

hour_counts as (

    select customer_id, ordered_local_hour, count(*) as orders, max({{ epoch_seconds('ordered_at') }}) as latest
    from orders
    group by customer_id, ordered_local_hour

),

product_counts as (

    select customer_id, product_name, sum(quantity) as units, max({{ epoch_seconds('ordered_at') }}) as latest
    from order_lines
    group by customer_id, product_name

),

category_counts as (

    select customer_id, category, sum(quantity) as units, max({{ epoch_seconds('ordered_at') }}) as latest
    from order_lines
    group by customer_id, category

),

{%- set favourites = [
    ('store_counts', 'store_id', 'orders', 'favourite_store_id'),
    ('payment_counts', 'payment_method', 'orders', 'preferred_payment_method'),
    ('channel_counts', 'channel', 'orders', 'preferred_channel'),
    ('day_counts', 'ordered_local_day_of_week', 'orders', 'usual_purchase_day_of_week'),
    ('hour_counts', 'ordered_local_hour', 'orders', 'usual_purchase_hour'),
    ('product_counts', 'product_name', 'units', 'favourite_product'),
    ('category_counts', 'category', 'units', 'favourite_category'),
] %}
{% for counts, value, weight, trait in favourites %}
{{ trait }} as (

    {{ first_row_per(counts, partition_by='customer_id', order_by=weight ~ ' desc, latest desc, ' ~ value,
                     columns=['customer_id', value ~ ' as ' ~ trait]) }}

),
{% endfor %}
joined as (

    select
        customers.customer_id,
        {% for counts, value, weight, trait in favourites -%}
        {{ trait }}.{{ trait }},
        {% endfor -%}
        stores.store_name as favourite_store_name
    from customers
    {% for counts, value, weight, trait in favourites -%}
    left join {{ trait }} on customers.customer_id = {{ trait }}.customer_id
    {% endfor -%}
    left join stores on favourite_store_id.favourite_store_id = stores.store_id

)

select
    customer_id,
    favourite_store_id,
    favourite_store_name,
    favourite_product,
    favourite_category,
    preferred_payment_method,
    preferred_channel,
    usual_purchase_day_of_week,
    usual_purchase_hour
from joined
