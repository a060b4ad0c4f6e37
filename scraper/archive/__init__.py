"""The archive on disk: the store (`store.Archive`: check log, raw snapshots, versions; its
`site`, `site_store.SiteStore`: the report site under `reports/`), what names may be
(`names`), durable writes (`files`), the writer lock (`lock`), captures, version references
(`refs`), and `verify`. Only this layer touches the archive's files."""
