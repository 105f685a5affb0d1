"""qroi's Streamlit dashboard: explore a store and test whether quality pays, in a browser.

The app reads the store named by `QROI_DB` (as `qroi dashboard --db` sets it) and calls the
tracker's read-side queries and analysis API; it never runs git or Radon itself.
Layout: `app.py` (entry, navigation), `data.py` (cached store access), `filters.py` (sidebar
filters shared by every page), `metrics.py` (what each measure means), `charts.py` (plotly
figures), `components.py` (cards, empty states, downloads), `views/` (one script per page).
"""
