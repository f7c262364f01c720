{{ staged_quarantine('hubspot') }}
