"""Scripts that build deterministic sample git repositories for tests and benchmarks (see README.md)."""
