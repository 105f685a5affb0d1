"""Line-operation classification of one commit, on hand-built `-U0` hunks with known answers.

Each test builds the hunks git would print for a small change, as `qroi.git.patches` parses them
(its Hunk and FilePatch, the types the product feeds the classifier), and checks every line's class;
tests/test_ai_scenario.py checks the same classifier on real git diffs of a scripted history.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qroi.ai.duplication import WindowIndex
from qroi.ai.lineops import LineOps, LineOpsConfig, apply_hunks, classify
from qroi.git.patches import FilePatch, Hunk

FUNC = [
    "def area(value):",
    "    a = value + 1",
    "    b = a * 2",
    "    c = b - 3",
    "    d = c + 4",
    "    return d",
]


def lines(*texts: str) -> list[bytes]:
    return [t.encode() for t in texts]


def patch(
    old_path: str | None,
    new_path: str | None,
    hunks: list[Hunk] | None = None,
    *,
    binary: bool = False,
    mode: str | None = None,
) -> FilePatch:
    """One file of a commit's diff against its first parent, as `qroi.git.patches.stream` yields it."""
    return FilePatch(
        "c" * 40, 0, old_path=old_path, new_path=new_path, mode=mode, binary=binary, hunks=hunks or []
    )


def added(path: str, *texts: str, at: int = 1) -> FilePatch:
    """A new file, or lines inserted after line at - 1 of an existing one."""
    return patch(None if at == 1 else path, path, [Hunk(at - 1, 0, at, len(texts), [], lines(*texts))])


def deleted(path: str, *texts: str, at: int = 1) -> FilePatch:
    return patch(path, path, [Hunk(at, len(texts), at - 1, 0, lines(*texts), [])])


def tree(files: dict[str, list[str]]) -> WindowIndex:
    """The window index of a tree before the commit."""
    index = WindowIndex()
    for path, texts in files.items():
        index.set_file(path, lines(*texts))
    return index


def counts(ops: LineOps) -> dict[str, int]:
    """The non-zero counts."""
    return {k: v for k, v in ops.to_dict().items() if v and k not in ("operations", "moved")}


def test_block_moved_to_another_file_counts_once_where_it_arrives() -> None:
    result = classify([deleted("a.py", *FUNC, at=10), added("b.py", '"""B."""', "", *FUNC)])
    assert counts(result.ops) == {"added": 1, "moved_in": 6, "moved_out": 6, "trivial_added": 1}
    assert result.ops.moved == 6 and result.ops.operations == 7
    assert result.file("a.py").deleted_labels == ["moved"] * 6
    assert result.file("a.py").line_numbers("moved", "deleted") == list(range(10, 16))
    assert result.file("b.py").added_labels == ["added", "trivial", *["moved"] * 6]
    assert result.file("b.py").line_numbers("moved") == list(range(3, 9))
    assert not result.duplicated_block


def test_moving_into_a_class_ignores_indentation() -> None:
    result = classify([deleted("a.py", *FUNC), added("b.py", "class Shape:", *("    " + f for f in FUNC))])
    assert counts(result.ops) == {"added": 1, "moved_in": 6, "moved_out": 6}


def test_move_below_the_block_size_is_a_deletion_and_an_addition() -> None:
    diff = [
        deleted("a.py", "x = compute(1)", "y = compute(2)"),
        added("b.py", "x = compute(1)", "y = compute(2)"),
    ]
    assert counts(classify(diff).ops) == {"added": 2, "deleted": 2}
    assert counts(classify(diff, config=LineOpsConfig(min_moved=2)).ops) == {"moved_in": 2, "moved_out": 2}


def test_reindent_in_place_is_an_update_not_a_move_or_a_copy() -> None:
    before = ["import os", "", *FUNC, "", "x = 1"]
    body = FUNC[1:]
    hunk = Hunk(4, 5, 4, 6, lines(*body), lines("    if value:", *("    " + b for b in body)))
    result = classify([patch("m.py", "m.py", [hunk])], tree({"m.py": before}))
    assert counts(result.ops) == {"updated": 5, "added": 1}
    assert result.file("m.py").added_labels == ["updated"] * 5 + ["added"]


def test_identical_lines_reordered_inside_one_hunk_are_a_move() -> None:
    block = ["p = load(1)", "q = load(2)", "r = load(3)"]
    hunk = Hunk(1, 4, 1, 4, lines(*block, "s = old()"), lines("s = new()", *block))
    assert counts(classify([patch("m.py", "m.py", [hunk])]).ops) == {
        "moved_in": 3,
        "moved_out": 3,
        "updated": 1,
    }


def test_copy_from_the_tree_needs_a_block_of_five_lines() -> None:
    index = tree({"lib.py": ['"""Lib."""', *FUNC]})
    five = classify([added("new.py", *FUNC[:5])], index)
    assert counts(five.ops) == {"copy_pasted": 5} and five.duplicated_block
    four = classify([added("new.py", *FUNC[:4])], index)
    assert counts(four.ops) == {"added": 4} and not four.duplicated_block
    small = WindowIndex(size=4)
    small.set_file("lib.py", lines(*FUNC))
    assert counts(classify([added("new.py", *FUNC[:4])], small, LineOpsConfig(min_copy=4)).ops) == {
        "copy_pasted": 4
    }


def test_blank_and_comment_lines_do_not_break_a_copied_block() -> None:
    index = tree({"lib.py": FUNC})
    pasted = [FUNC[0], "", FUNC[1], "    # keep going", *FUNC[2:]]
    result = classify([added("new.py", *pasted)], index)
    assert counts(result.ops) == {"copy_pasted": 6, "trivial_added": 2}
    assert (
        result.file("new.py").added_labels
        == ["copy_pasted", "trivial", "copy_pasted", "trivial"] + ["copy_pasted"] * 4
    )


def test_a_block_repeated_within_the_commit_is_written_once_and_pasted_after() -> None:
    result = classify([added("a.py", '"""A."""', *FUNC), added("b.py", '"""B."""', *FUNC)])
    assert counts(result.file("a.py").ops) == {"added": 7}
    assert counts(result.file("b.py").ops) == {"added": 1, "copy_pasted": 6}
    twice = classify([added("c.py", *FUNC, *FUNC)])
    assert counts(twice.ops) == {"added": 6, "copy_pasted": 6}


def test_a_block_deleted_once_and_pasted_twice_is_one_move_and_one_copy() -> None:
    index = tree({"old.py": FUNC})
    diffs = [deleted("old.py", *FUNC), added("v1.py", *FUNC), added("v2.py", *FUNC)]
    result = classify(diffs, index)
    assert counts(result.file("v1.py").ops) == {"moved_in": 6}
    assert counts(result.file("v2.py").ops) == {"copy_pasted": 6}


def test_a_block_that_exists_only_where_the_commit_deletes_it_is_not_a_copy() -> None:
    index = tree({"old.py": FUNC})
    hunk = Hunk(1, 6, 1, 6, lines(*FUNC), lines(*(f.replace("    ", "\t") for f in FUNC)))  # tabs for spaces
    result = classify([patch("old.py", "old.py", [hunk])], index)
    assert counts(result.ops) == {"updated": 6}


def test_updates_pair_in_place_within_each_hunk() -> None:
    diff = patch(
        "m.py",
        "m.py",
        [
            Hunk(3, 3, 3, 1, lines("a = 1", "b = 2", "c = 3"), lines("abc = 6")),
            Hunk(10, 1, 8, 3, lines("x = 1"), lines("x = 2", "y = 3", "z = 4")),
        ],
    )
    result = classify([diff])
    assert counts(result.ops) == {"updated": 2, "deleted": 2, "added": 2}
    assert result.file("m.py").deleted_labels == ["updated", "deleted", "deleted", "updated"]
    assert result.file("m.py").line_numbers("added") == [9, 10]


def test_trivial_lines_by_language() -> None:
    py = added("a.py", "# comment", "", "x = 1", ")", '"""')
    js = added("b.js", "// comment", "/* block", " * more", " */", "}", "let x = 1;")
    md = added("c.md", "# Heading", "text")
    result = classify([py, js, md])
    assert result.file("a.py").added_labels == ["trivial", "trivial", "added", "trivial", "trivial"]
    assert result.file("b.js").added_labels == ["trivial"] * 5 + ["added"]
    assert result.file("c.md").added_labels == ["added", "added"]  # a Markdown heading is text, not a comment


def test_binary_files_submodules_and_symlinks_are_skipped() -> None:
    diffs = [
        patch("logo.png", "logo.png", binary=True),
        patch(None, "vendor/lib", [Hunk(0, 0, 1, 1, [], [b"Subproject commit 1234"])], mode="160000"),
        patch(None, "link", [Hunk(0, 0, 1, 1, [], [b"target/path"])], mode="120000"),
        added("a.py", "x = 1"),
    ]
    result = classify(diffs)
    assert result.skipped == ["logo.png", "vendor/lib", "link"]
    assert [f.path for f in result.files] == ["a.py"] and counts(result.ops) == {"added": 1}


def test_hunks_without_their_text_are_refused() -> None:
    diff = patch("a.py", "a.py", [Hunk(3, 2, 3, 0, [b"only one"], [])])
    with pytest.raises(ValueError, match=r"a\.py: hunk -3,2 \+3,0 carries 1 deleted and 0 added lines"):
        classify([diff])


def test_config_and_index_must_agree() -> None:
    with pytest.raises(ValueError, match="min_moved must be a whole number of lines >= 1"):
        LineOpsConfig(min_moved=0)
    with pytest.raises(ValueError, match="windows of 5 lines but min_copy is 4"):
        classify([], WindowIndex(), LineOpsConfig(min_copy=4))


def test_shares_and_json() -> None:
    result = classify([deleted("a.py", *FUNC), added("b.py", *FUNC), added("c.py", *FUNC, "extra = 1")])
    assert result.ops.share("moved") == pytest.approx(6 / 13)
    assert result.ops.share("copy_pasted") == pytest.approx(6 / 13)
    assert result.to_dict()["ops"]["operations"] == 13 and result.to_dict()["duplicated_block"] is True
    with pytest.raises(ValueError, match="unknown operation 'churn'"):
        result.ops.share("churn")
    assert classify([]).ops.share("added") is None


def test_apply_hunks_rebuilds_the_new_file() -> None:
    old = lines("a", "b", "c", "d", "e")
    hunks = [
        Hunk(0, 0, 1, 1, [], lines("top")),
        Hunk(2, 1, 3, 2, lines("b"), lines("B1", "B2")),
        Hunk(4, 0, 6, 1, [], lines("after d")),
        Hunk(5, 1, 7, 0, lines("e"), []),
    ]
    assert apply_hunks(old, hunks) == lines("top", "a", "B1", "B2", "c", "d", "after d")
    with pytest.raises(ValueError, match="does not fit a file of 5 lines"):
        apply_hunks(old, [Hunk(5, 2, 5, 0, lines("e", "f"), [])])


CODE = st.sampled_from(["x = 1", "y = f(x)", "return y", "", "# note", "}", "def g():", "z = x + y"])


@st.composite
def commits(draw: st.DrawFn) -> list[FilePatch]:
    """Random files of random hunks in order, mixing repeated, shared and trivial lines."""
    diffs = []
    for f in range(draw(st.integers(1, 3))):
        hunks: list[Hunk] = []
        old_pos = new_pos = 0  # last line before the next hunk, on each side
        for _ in range(draw(st.integers(1, 3))):
            gap = draw(st.integers(1, 3))
            old_pos, new_pos = old_pos + gap, new_pos + gap
            dels, adds = draw(st.lists(CODE, max_size=8)), draw(st.lists(CODE, max_size=8))
            if not dels and not adds:
                continue
            hunks.append(
                Hunk(
                    old_pos if dels else old_pos - 1,
                    len(dels),
                    new_pos if adds else new_pos - 1,
                    len(adds),
                    lines(*dels),
                    lines(*adds),
                )
            )
            old_pos, new_pos = old_pos + len(dels), new_pos + len(adds)
        diffs.append(patch(f"f{f}.py", f"f{f}.py", hunks))
    return diffs


@settings(max_examples=150, deadline=None)
@given(commits(), st.integers(2, 4), st.integers(3, 5))
def test_every_diff_line_gets_exactly_one_class(
    diffs: list[FilePatch], min_moved: int, min_copy: int
) -> None:
    index = WindowIndex(size=min_copy)
    index.set_file("lib.py", lines("x = 1", "y = f(x)", "return y", "z = x + y", "def g():", "x = 1"))
    result = classify(diffs, index, LineOpsConfig(min_moved=min_moved, min_copy=min_copy))
    n_added = sum(len(h.added) for d in diffs for h in d.hunks)
    n_deleted = sum(len(h.deleted) for d in diffs for h in d.hunks)
    assert (result.ops.lines_added, result.ops.lines_deleted) == (n_added, n_deleted)
    assert result.ops.moved_in == result.ops.moved_out
    for f in result.files:
        assert set(f.deleted_labels) <= {"deleted", "updated", "moved", "trivial"}
        assert set(f.added_labels) <= {"added", "updated", "moved", "copy_pasted", "trivial"}
        assert f.deleted_labels.count("updated") == f.added_labels.count("updated")
    assert (
        classify(diffs, index, LineOpsConfig(min_moved=min_moved, min_copy=min_copy)).to_dict()
        == result.to_dict()
    )
