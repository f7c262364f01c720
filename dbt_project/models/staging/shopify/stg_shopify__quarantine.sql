{{ staged_quarantine('shopify') }}
