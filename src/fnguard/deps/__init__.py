"""Dependencies: lock-file parsers, the OSV database and version matching."""
