"""What the three source packages share: the HTTP session with retries and the quarantine of bad records."""
