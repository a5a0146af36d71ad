"""Panel papers (built in issue #6)."""
