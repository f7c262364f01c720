-- Opened or clicked an email in the last N days (var email_engaged_days).
select customer_id
from {{ ref('customer_360') }}
where last_email_engagement_at >= {{ dbt.dateadd('day', -1 * var('email_engaged_days'), as_of()) }}
