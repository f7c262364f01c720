-- Bought from the category (var buyers_category, sportswear) within the RFM window: cross-sell and launches.
select distinct customer_id
from {{ ref('fct_order_lines') }}
where customer_id is not null
    and is_revenue
    and category = '{{ var("buyers_category") }}'
    and ordered_at >= {{ dbt.dateadd('day', -1 * var('rfm_window_days'), as_of()) }}
    and ordered_at <= {{ as_of() }}
