"""Package data: price tables, managed policies, runtimes, vulnerability snapshot."""
