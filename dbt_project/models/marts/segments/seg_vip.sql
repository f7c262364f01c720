-- Top RFM customers: recent, frequent and high-spending (each score out of 5).
select customer_id
from {{ ref('customer_360') }}
where recency_score >= {{ var('vip_min_recency_score') }}
    and frequency_score + monetary_score >= {{ var('vip_min_frequency_plus_monetary') }}
