"""Entry point of the qroi dashboard: `qroi dashboard` (or `streamlit run` on this file, qroi installed).

Reads the store named by QROI_DB (default: qroi.db), draws the shared sidebar filters on every
run (which is what keeps them across page switches), then runs the chosen page. An empty or
missing store gets instructions to ingest instead of an error; nothing is ever written to it.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from qroi.dashboard import components, data, filters

st.set_page_config(
    page_title="qroi · does quality pay?",
    page_icon=str(Path(__file__).parent / "icon.png"),
    layout="wide",
    initial_sidebar_state="expanded",
)

state = data.open_store()
if state.empty:
    components.style()
    components.empty_store(state)
    st.stop()

PAGES = {
    "Explore": [
        st.Page("views/overview.py", title="Overview", icon=":material/monitoring:", default=True),
        st.Page("views/hotspots.py", title="Hotspots", icon=":material/local_fire_department:"),
        st.Page("views/tree_map.py", title="Map", icon=":material/grid_view:"),
        st.Page("views/file_history.py", title="File history", icon=":material/history:"),
        st.Page("views/compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page("views/commits.py", title="Commits", icon=":material/commit:"),
    ],
    "Evidence": [
        st.Page("views/claim.py", title="Does quality pay?", icon=":material/balance:"),
        st.Page("views/delivery.py", title="Delivery", icon=":material/local_shipping:"),
        st.Page("views/ai_era.py", title="AI era", icon=":material/smart_toy:"),
    ],
    "Take away": [st.Page("views/export.py", title="Export", icon=":material/download:")],
}

page = st.navigation(PAGES)
components.style()
st.logo(str(Path(__file__).parent / "logo.svg"), size="large")
if filters.sidebar(state) is None:
    st.title(page.title)
    components.nothing("Choose at least one repository in the sidebar.")
    st.stop()
page.run()
