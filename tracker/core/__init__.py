"""Concepts every layer shares and nothing else: the error type, timing, calendar months and windows, what each metric means."""
