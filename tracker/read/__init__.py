"""The read side: the store's tables as DataFrames for exports, the summary, the dashboard and the analyses."""
