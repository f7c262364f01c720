"""What each page reads from the analytics copy: plain SQL over the marts, one module per page."""
