"""The AI-era lens's post-ingest step: line operations, short-term churn, declared AI assistance, tree duplication."""
