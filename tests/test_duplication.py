"""Duplicated-block share of a tree, line keys, and the window index a history walk keeps up to date."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qroi.ai.duplication import WindowIndex, comment_prefixes, duplicated_share, keys, line_key, split_lines

BLOCK = "def area(value):\n    a = value + 1\n    b = a * 2\n    c = b - 3\n    return c\n"  # 5 keyed lines


def test_a_block_copied_across_files_is_duplicated_in_both() -> None:
    tree = {
        "src/a.py": '"""A."""\n\n\n' + BLOCK + "\n\ndef other():\n    return 1\n",  # 1 + 5 + 2 keyed lines
        "src/b.py": '"""B."""\n\n\n' + BLOCK,  # 1 + 5
        "src/c.py": "x = 1\ny = 2\n",
    }
    result = duplicated_share(tree)
    assert (result.files, result.lines, result.duplicated_lines) == (3, 16, 10)
    assert result.share == pytest.approx(10 / 16)
    assert result.per_file == {"src/a.py": (8, 5), "src/b.py": (6, 5), "src/c.py": (2, 0)}
    assert json.loads(json.dumps(result.to_dict()))["per_file"]["src/b.py"] == {
        "lines": 6,
        "duplicated_lines": 5,
    }


def test_duplicates_inside_one_file_count_too() -> None:
    result = duplicated_share({"m.py": BLOCK + "\n\n" + BLOCK + "z = 0\n"})
    assert (result.lines, result.duplicated_lines) == (11, 10)


def test_indentation_blank_lines_and_comments_do_not_hide_a_copy() -> None:
    disguised = "class K:\n" + "".join(
        "    " + line + ("\n\n    # note\n" if i == 2 else "\n") for i, line in enumerate(BLOCK.splitlines())
    )
    result = duplicated_share({"a.py": BLOCK, "b.py": disguised})
    assert result.per_file == {"a.py": (5, 5), "b.py": (6, 5)}


def test_four_identical_lines_are_not_a_block_unless_the_window_says_so() -> None:
    four = "".join(BLOCK.splitlines(keepends=True)[:4])
    tree = {"a.py": four + "d = 9\n", "b.py": four + "e = 8\n"}
    assert duplicated_share(tree).duplicated_lines == 0
    assert duplicated_share(tree, window=4).duplicated_lines == 8


def test_only_python_counts_unless_asked() -> None:
    tree = {"a.py": BLOCK, "notes.md": BLOCK, "data.txt": BLOCK}
    assert duplicated_share(tree).to_dict()["files"] == 1 and duplicated_share(tree).duplicated_lines == 0
    everything = duplicated_share(tree, python_only=False)
    assert (everything.files, everything.duplicated_lines) == (3, 15)


def test_an_empty_tree_has_no_share_and_bad_windows_are_refused() -> None:
    assert duplicated_share({}).share is None
    assert duplicated_share({"a.py": "# only a comment\n\n"}).share is None
    with pytest.raises(ValueError, match="window size must be at least 1"):
        duplicated_share({}, window=0)
    with pytest.raises(ValueError, match="window size must be at least 1"):
        WindowIndex(size=0)


def test_line_keys_by_language() -> None:
    assert line_key(b"   x = 1   ", comment_prefixes("a.py")) == line_key(b"x = 1", ())
    assert keys("a.py", [b"# c", b"", b"  )", b'"""', b"s = '#'"])[:4] == [None] * 4
    assert keys("a.js", [b"// c", b"/* c", b" * c", b"*", b" */", b"};"]) == [None] * 6
    assert keys("a.sql", [b"-- c", b"select 1"])[0] is None and keys("a.md", [b"# Title"])[0] is not None
    assert keys("a.py", ["x = 'é'".encode()])[0] is not None and keys("a.py", ["—".encode()])[0] is not None


def test_split_lines_matches_git() -> None:
    assert (
        split_lines("") == []
        and split_lines(b"a\nb") == [b"a", b"b"]
        and split_lines("a\nb\n") == [b"a", b"b"]
    )
    assert split_lines("a\n\n") == [b"a", b""]


def test_window_index_counts_and_forgets() -> None:
    index = WindowIndex()
    index.set_file("a.py", split_lines(BLOCK))
    index.set_file("b.py", split_lines(BLOCK))
    window = next(iter(index.counts))
    assert index.count(window) == 2 and window in index and index.paths == ["a.py", "b.py"]
    index.remove_file("a.py")
    assert index.count(window) == 1
    index.set_file("b.py", [b"x = 1"])
    assert index.count(window) == 0 and window not in index and not index.counts
    index.remove_file("missing.py")


FILES = st.lists(
    st.sampled_from(["x = 1", "y = 2", "z = x + y", "", "# c", "return z", "w = 3"]), max_size=12
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.sampled_from(["a.py", "b.py", "c.js", "d.py"]), FILES, max_size=4),
        min_size=1,
        max_size=6,
    )
)
def test_sync_along_a_walk_equals_indexing_each_tree_from_scratch(
    snapshots: list[dict[str, list[str]]],
) -> None:
    walking = WindowIndex()
    shared: dict[str, tuple[bytes, ...]] = {}
    for snapshot in snapshots:
        tree = {}
        for path, texts in snapshot.items():
            encoded = tuple(t.encode() for t in texts)
            tree[path] = (
                shared[path] if shared.get(path) == encoded else encoded
            )  # unchanged files keep their tuple
        shared = tree
        walking.sync(tree)
        fresh = WindowIndex()
        for path, file_lines in tree.items():
            fresh.set_file(path, file_lines)
        assert walking.counts == fresh.counts and walking.paths == sorted(tree)


EDITS = st.lists(
    st.tuples(
        st.sampled_from(["a.py", "b.py", "c.js"]),
        st.integers(0, 30),  # where
        st.integers(0, 4),  # lines removed there
        st.lists(st.sampled_from(["x = 1", "y = 2", "z = x + y", "", "# c", "return z"]), max_size=4),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=80, deadline=None)
@given(EDITS, st.sampled_from([1, 2, 3, 5]))
def test_incremental_rehash_of_edited_files_equals_hashing_from_scratch(
    edits: list[tuple[str, int, int, list[str]]], size: int
) -> None:
    """Edits in the middle of files (the lines around them shared, as in a real commit): the index
    re-hashes only between the common start and end, and must still equal a fresh index, and its
    share must equal `duplicated_share` of the tree."""
    start = [b"x = 1", b"y = 2", b"z = x + y", b"x = 1", b"y = 2", b"z = x + y", b"return z"]
    tree: dict[str, tuple[bytes, ...]] = {
        "a.py": tuple(start),
        "b.py": tuple(start[2:]),
        "c.js": tuple(start),
    }
    walking = WindowIndex(size)
    points = WindowIndex(size, python_only=True)
    for path, at, removed, added in edits:
        lines = list(tree[path])
        at = min(at, len(lines))
        lines[at : at + removed] = [a.encode() for a in added]
        tree = {**tree, path: tuple(lines)}
        walking.sync(tree)
        points.sync(tree)
        fresh = WindowIndex(size)
        for name, file_lines in tree.items():
            fresh.set_file(name, file_lines)
        assert walking.counts == fresh.counts
        assert points.share() == duplicated_share(tree, window=size)
