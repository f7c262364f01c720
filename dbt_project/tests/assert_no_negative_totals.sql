{{ config(meta={'dagster': {'ref': {'name': 'fct_orders'}}}) }}  {# the asset this check belongs to in Dagster #}
-- Money never goes below zero: loaders reject negative amounts, so one here means a conversion went wrong.
select 'fct_orders' as model, order_id as id, total_amount as amount
from {{ ref('fct_orders') }}
where total_amount < 0 or total_amount_reporting < 0

union all

select 'fct_order_lines', order_line_id, line_amount
from {{ ref('fct_order_lines') }}
where line_amount < 0 or unit_price < 0 or quantity < 0

union all

select 'customer_360', customer_id, total_spend_reporting
from {{ ref('customer_360') }}
where total_spend_reporting < 0 or abandoned_checkout_value_reporting < 0
