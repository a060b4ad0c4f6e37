"""nato-watch: an evidence-grade change tracker for NATO's Republic of Korea page."""

__version__ = "0.1.0"
