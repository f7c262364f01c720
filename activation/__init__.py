"""Activation: segments turned into stays, and sent to the tools that talk to customers.

Segment membership and history with entries and exits (`segment_history`), the destinations of destinations.yml
(`load_destinations`), and one sync per destination (`sync_destination`): the difference since the last acknowledged
state to API destinations (Mailchimp), a full snapshot to file destinations (Klaviyo lists, Google and Meta
audiences, direct mail), honouring consent, the suppression list, people forgotten by `cdp forget` and the members
campaigns keep back (`holdouts`: the control group and segment holdouts); and what the campaigns brought
(`campaign_results`). Usable without Dagster.
"""

from activation.config import Destination, load_destinations
from activation.erasures import owe_removals
from activation.segment_history import apply_segments, run_as_of
from activation.sync import SyncResult, sync_destination

__all__ = [
    "Destination",
    "SyncResult",
    "apply_segments",
    "load_destinations",
    "owe_removals",
    "run_as_of",
    "sync_destination",
]
