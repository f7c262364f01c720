"""Constants of the web shop's event landing folder as the source reads it."""

# The collector's daily files: gzipped newline-delimited JSON, one Web Pixels event a line.
FILE_GLOB = "**/*.ndjson.gz"
# Lines read into arrow and screened at once: each page is one screening query in DuckDB, whose cost per query
# counts at 5,000 (a 100,000-person first load's extract: 57 s at 5,000 lines, 46 s at 20,000).
EVENTS_PER_PAGE = 20_000
