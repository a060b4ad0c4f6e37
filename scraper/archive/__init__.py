"""The archive on disk: the check log, raw snapshots, versions and reports; version references;
`verify`. Only this layer touches the archive's files."""
