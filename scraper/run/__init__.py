"""Running checks: the one pass (`pipeline.check_target`), the scheduled job, notifications."""
