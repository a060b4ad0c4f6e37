"""The `nato-watch` command line (`scraper.cli.main`)."""

from scraper.cli.main import cli, main

__all__ = ["cli", "main"]
