-- High-value customers the churn model expects to stop buying: the win-back before they lapse.
select customer_id
from {{ ref('customer_360') }}
where churn_probability >= {{ var('likely_to_churn_min_probability') }}
    and monetary_score >= {{ var('high_value_min_monetary_score') }}
