"""The ingest pipeline: history -> scores -> store in batches, then the delivery and AI-era steps; many repositories at once."""
