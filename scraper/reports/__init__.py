"""Rendering change reports and the report site: JSON, Markdown, standalone HTML (inline and
side by side), the page of each version, the index page with its timeline, and the Atom feed.

Renderers only format a `Report` (two `VersionRef`s and the `Change` that `scraper.core.diff`
computed) or a `Version`; they never diff, read files or look at the clock, so the same inputs
always give the same bytes. The index and the feed are built from `ReportSummary`s, which can
be read back from stored JSON reports.
"""
