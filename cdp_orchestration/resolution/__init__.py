"""Identity resolution in the pipeline: stable customer IDs, evidence, overrides and quality checks."""
