"""What every export test expects of who is sent, beyond its own rules."""

# Members a campaign keeps back reach no destination: the global control group (scope '*') and the segment's own
# holdout, as assigned in campaigns.assignments (activation/holdouts.py). Over `marts.segment_membership m` and
# `marts.customer_360 c`.
NOT_HELD_OUT = """not exists (
    select 1 from campaigns.assignments as a
    where a.customer_id = c.customer_id and a.held_out and a.scope in ('*', m.segment))"""
