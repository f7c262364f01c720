"""The console's pages: one module per area, each exporting its `routes`."""
