"""Scoring one Python source with Radon's numbers (and the fast walkers proven identical), in parallel across cores."""
