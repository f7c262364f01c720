"""Ingestion: dlt loads of the source systems (or the bundled simulator) into the raw schemas."""
