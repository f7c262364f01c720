-- Why a web client ID belongs to a customer: one row per client, customer and kind of tie (web_identified_events),
-- with how many events showed it and when. The evidence the console shows beside the scored pairs of
-- identity.match_evidence.

select
    client_id,
    customer_id,
    match_type,
    count(*) as events,
    min(occurred_at) as first_tied_at,
    max(occurred_at) as last_tied_at
from {{ ref('web_identified_events') }}
group by client_id, customer_id, match_type
