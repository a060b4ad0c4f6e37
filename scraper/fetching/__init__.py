"""Fetching a page: the HTTP client (the only layer that imports requests), retries, robots.txt,
the failure model and its wording, decoding, the headless-browser fetcher and the router that
picks one per target."""
