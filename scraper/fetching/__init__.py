"""Fetching a page: the HTTP client (the only place that imports requests), retries and
robots.txt, decoding and bot-check detection, the headless-browser fetcher and the router that
picks one per target."""
