"""Map: the tree by folder, coloured by quality and sized by change, and who knows each folder."""

from __future__ import annotations

import streamlit as st

from qroi.core import roles
from qroi.dashboard import charts, components, data, filters
from qroi.read import folders

f = filters.current()
components.header(
    "Map",
    "Where in the tree do change and poor quality meet, and which folders depend on one person?",
    f,
    all_history="the map sums each file's whole history, as `qroi export files` does",
)
kept = st.multiselect(
    "File roles",
    roles.names(),
    default=[roles.PRODUCT],
    key="map_roles",
    help="Product code by default; add tests, docs, examples or generated files to see them too.",
)
files = data.head_files(f.scope, tuple(sorted(kept)))
if files.empty or not (files["commits"] > 0).any():
    components.nothing("No Python files of these roles at HEAD.", "Add roles above.")
    st.stop()

components.plot(charts.tree_map(files), key="tree_map")
st.caption(
    "Each box is a folder or a Python file at HEAD; its area is the commits that changed it (over all "
    "history, under its current path), its colour the maintainability index (red: hard to maintain; a "
    "folder's colour weights its files by size). Click a folder to zoom in."
)

st.subheader("Knowledge per folder")
depth = st.segmented_control(
    "Folder depth", [1, 2, 3], default=3, required=True, key="map_depth", persist_state="session"
)
table = folders.by_folder(files, int(depth or 3)).sort_values(["commits", "folder"], ascending=[False, True])
islands = int(table["knowledge_islands"].sum())
single = table[table["bus_factor"] == 1]
components.cards(
    [
        components.Card("Folders", components.fmt_int(len(table))),
        components.Card(
            "Folders one person leaving would orphan",
            components.fmt_int(len(single)),
            help="Bus factor 1: one owner's files hold more than half of the folder's source lines.",
        ),
        components.Card(
            "Knowledge islands",
            f"{islands:,} of {len(files):,} files",
            help=f"Files whose main author made at least {folders.ISLAND_SHARE:.0%} of their commits.",
        ),
    ]
)
names = data.people(f.scope)
table = table.assign(
    main_owner=table["main_owner"].map(lambda e: names.get(e) if isinstance(e, str) else None)
)
st.dataframe(
    # Files, total CC and owners are left to the CSV, so the table fits a 1280-pixel screen.
    table[
        [
            c
            for c in folders.FOLDER_COLUMNS
            if (c != "repo" or len(f.scope.repos) > 1) and c not in ("files", "cc_total", "owners")
        ]
    ],
    hide_index=True,
    placeholder=components.MISSING,
    column_config={
        "repo": "Repository",
        "folder": st.column_config.TextColumn("Folder", width="medium"),
        "files": st.column_config.NumberColumn("Files", format="localized", width="small"),
        "sloc": st.column_config.NumberColumn("sloc", format="localized", width="small"),
        "commits": st.column_config.NumberColumn("Commits", format="localized", width="small"),
        "bugfix_commits": st.column_config.NumberColumn("Fixes", format="localized", width="small"),
        "mi": st.column_config.ProgressColumn("MI", min_value=0, max_value=100, format="%.1f", width="small"),
        "cc_total": st.column_config.NumberColumn("CC total", format="localized", width="small"),
        "owners": st.column_config.NumberColumn(
            "Owners", width="small", help="Distinct main authors of its files."
        ),
        "main_owner": st.column_config.TextColumn(
            "Main owner",
            width="small",
            help="By name (after .mailmap): the author of most commits to the files.",
        ),
        "main_owner_sloc_share": st.column_config.NumberColumn(
            "Owner's lines",
            format="percent",
            width="small",
            help="The main owner's share of the folder's source lines.",
        ),
        "bus_factor": st.column_config.NumberColumn(
            "Bus factor",
            width="small",
            help="Fewest owners whose files hold more than half of the folder's lines.",
        ),
        "knowledge_islands": st.column_config.NumberColumn(
            "Islands",
            width="small",
            help=f"Files one author made {folders.ISLAND_SHARE:.0%}+ of the commits to.",
        ),
    },
)
components.csv_download(table, "qroi-folders.csv", "Download the folders (CSV)", key="folders_csv")
with st.expander("How these figures are computed"):
    st.markdown(
        "- A file's **owner** is the author of most of its commits, and its **owner share** their share of "
        "them, as in `qroi export files`.\n"
        f"- A **knowledge island** is a file whose owner made at least {folders.ISLAND_SHARE:.0%} of its commits.\n"
        "- A folder's **bus factor** is the fewest owners whose files together hold more than half of the "
        "folder's source lines.\n"
        "- Authors are git identities after `.mailmap`; one person with two addresses counts twice."
    )
