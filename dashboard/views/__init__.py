"""One Streamlit script per dashboard page; `dashboard/app.py` runs them through st.navigation."""
