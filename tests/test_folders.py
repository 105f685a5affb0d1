"""The Map page: the tree by folder and its knowledge figures, on a real store of the demo history.

Every folder figure is checked against the `qroi export files` table it is built from, and the bus
factor against a brute-force search over the folder's owners; the page's treemap against the same.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from qroi.read import export, folders
from qroi.store import database

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


@pytest.fixture(scope="module")
def files(demo_db: Path):  # type: ignore[no-untyped-def]
    return export.table(database.connect(str(demo_db)), "files", "widget")


def _brute_bus_factor(group) -> int:  # type: ignore[no-untyped-def]
    owned = group.groupby("owner")["sloc"].sum()
    total = owned.sum()
    for k in range(1, len(owned) + 1):
        if any(sum(owned[list(c)]) > total / 2 for c in combinations(owned.index, k)):
            return k
    return 0


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_folder_figures_follow_the_files_table(files, depth: int) -> None:  # type: ignore[no-untyped-def]
    table = folders.by_folder(files, depth)
    keyed = files.assign(folder=[folders.folder_of(p, depth) for p in files["path"]])
    assert sorted(table["folder"]) == sorted(keyed["folder"].unique())
    for row in table.itertuples():
        group = keyed[keyed["folder"] == row.folder]
        assert row.files == len(group)
        assert row.sloc == group["sloc"].fillna(0).sum()
        assert row.commits == group["commits"].sum()
        assert row.knowledge_islands == (group["owner_share"] >= folders.ISLAND_SHARE).sum()
        assert row.bus_factor == _brute_bus_factor(group.assign(sloc=group["sloc"].fillna(0)))


def test_map_page_draws_the_tree_sized_by_change(demo_db: Path, files, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("QROI_DB", str(demo_db))
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=90)
    at.switch_page("views/tree_map.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    tree = fig["data"][0]
    product = files[(files["role"] == "product") & (files["commits"] > 0)]
    roots = [v for v, parent in zip(tree["values"], tree["parents"], strict=True) if parent == ""]
    assert sum(roots) == product["commits"].sum()
    leaves = {i for i in tree["ids"]} & set(product["path"])
    assert leaves == set(product["path"])
