"""Git access: where a repository comes from, the streamed history, diffs, blame and identities. Knows nothing of the store."""
