"""Where versions come from besides a live check: the archive's own raw snapshots (`replay`),
the Wayback Machine, and WARC files."""
