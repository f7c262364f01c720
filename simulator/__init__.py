"""A local simulator of the CDP's source systems (Shopify, Square, HubSpot) and email tool (Mailchimp).

One seeded synthetic population behind every API; see README.md.
"""

from .cli import advance_day
from .config import web_landing_dir
from .generator import generate
from .server import create_app, running_simulator, serve
from .state import SimState

__all__ = ["SimState", "advance_day", "create_app", "generate", "running_simulator", "serve", "web_landing_dir"]
