-- Received emails but no open or click in the last N days (var email_engaged_days): re-engage or sunset.
select customer_id
from {{ ref('customer_360') }}
where emails_received > 0
    and (
        last_email_engagement_at is null
        or last_email_engagement_at < {{ dbt.dateadd('day', -1 * var('email_engaged_days'), as_of()) }}
    )
