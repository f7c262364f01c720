"""Shopify's GraphQL Admin API (2025-01): customers, orders with their line items, abandoned checkouts, the shop,
paginated queries under the calculated-cost rate limit, and bulk query operations with their JSONL result files."""

from .api import ShopifyApi, fault_response

__all__ = ["ShopifyApi", "fault_response"]
