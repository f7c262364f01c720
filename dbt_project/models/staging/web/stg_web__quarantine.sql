{{ staged_quarantine('web') }}
