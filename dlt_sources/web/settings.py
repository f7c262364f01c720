"""Constants of the web shop's event landing folder as the source reads it."""

# The collector's daily files: gzipped newline-delimited JSON, one Web Pixels event a line.
FILE_GLOB = "**/*.ndjson.gz"
EVENTS_PER_PAGE = 5000
