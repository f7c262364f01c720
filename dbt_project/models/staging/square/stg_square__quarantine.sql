{{ staged_quarantine('square') }}
