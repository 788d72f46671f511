"""Commands of the fnguard CLI, one module each."""
