"""Loading a user's own file-level CSV and running the same statistics on it."""

from __future__ import annotations

import numpy as np
import pytest

from qroi.analysis import HypothesisSpec, analyze_hypothesis, load_table
from qroi.analysis.simulate import simulate_count_panel

NAMES = {
    "unit": "Path",
    "quality": "Maint. Index",
    "outcome": "Bug fixes",
    "size": "LOC",
    "exposure": "Commits",
}


def european_csv(tmp_path, seed: int = 3, rate_ratio: float = 1.6):
    """A ';'-separated, decimal-comma export with gaps and junk cells; returns (path, source frame)."""
    panel = simulate_count_panel(400, rate_ratio=rate_ratio, size_corr=0.4, seed=seed)
    panel = panel.drop(columns="window").rename(columns=NAMES)[list(NAMES.values())]
    text = panel.map(lambda v: repr(v).replace(".", ",") if isinstance(v, float) else v).astype(object)
    text.loc[[3, 40], "Maint. Index"] = "n/a"
    text.loc[7, "LOC"] = None
    text.loc[12, "Bug fixes"] = "?"
    text.loc[99, "Path"] = None
    path = tmp_path / "quality export.csv"
    text.to_csv(path, sep=";", index=False)
    return path, panel


def test_semicolon_decimal_comma_with_missing_values(tmp_path):
    path, source = european_csv(tmp_path)
    assert "," in path.read_text().splitlines()[1]  # decimal commas really are in the file
    table, dropped = load_table(
        path,
        quality="Maint. Index",
        outcome="Bug fixes",
        size="LOC",
        exposure="Commits",
        unit="Path",
        sep=";",
        decimal=",",
    )
    assert dropped == 5 and len(table) == 395
    assert list(table.columns) == ["Maint. Index", "Bug fixes", "LOC", "Commits", "Path"]
    kept = source.drop(index=[3, 40, 7, 12, 99]).reset_index(drop=True)
    np.testing.assert_allclose(table["Maint. Index"], kept["Maint. Index"], rtol=1e-9)
    np.testing.assert_allclose(table["LOC"], kept["LOC"], rtol=1e-9)


def test_higher_is_better_metric_with_cut_point_bands(tmp_path):
    path, _ = european_csv(tmp_path)
    table, dropped = load_table(
        path, "Maint. Index", "Bug fixes", size="LOC", exposure="Commits", unit="Path", sep=";", decimal=","
    )
    spec = HypothesisSpec(
        "Maint. Index",
        "Bug fixes",
        "count",
        higher_is_better=True,
        size="LOC",
        exposure="Commits",
        unit="Path",
        bands=(60.0, 75.0),
    )
    r = analyze_hypothesis(table, spec)
    assert r.status == "ok" and r.n_rows == 395 and r.n_dropped == 0
    assert r.verdict == "Supported" and r.adjusted.ci_low < 1.6 < r.adjusted.ci_high
    assert [b.label for b in r.bands] == ["< 60", "60 to < 75", ">= 75"]
    assert [b.position for b in r.bands] == ["worst", "middle", "best"]
    assert r.bands[0].estimate > r.bands[-1].estimate
    assert r.band_comparison.worst == "< 60" and r.band_comparison.best == ">= 75"
    assert r.band_comparison.ratio > 1


def test_plain_csv_without_optional_columns(tmp_path):
    panel = simulate_count_panel(100, seed=5)
    path = tmp_path / "t.csv"
    panel.to_csv(path, index=False)
    table, dropped = load_table(path, quality="quality", outcome="outcome")
    assert dropped == 0 and list(table.columns) == ["quality", "outcome"]
    np.testing.assert_allclose(table["quality"], panel["quality"])


def test_missing_column_names_it_and_lists_the_available_ones(tmp_path):
    path, _ = european_csv(tmp_path)
    with pytest.raises(ValueError) as err:
        load_table(path, quality="MI", outcome="Bug fixes", sep=";", decimal=",")
    message = str(err.value)
    assert message.startswith("quality column 'MI' not found in quality export.csv; columns are: Path, ")
    assert "\n" not in message


def test_wrong_separator_gets_a_hint(tmp_path):
    path, _ = european_csv(tmp_path)
    with pytest.raises(ValueError, match=r"is the separator right\?"):
        load_table(path, quality="Maint. Index", outcome="Bug fixes")


def test_missing_or_empty_files_are_one_line_errors(tmp_path):
    with pytest.raises(ValueError, match="table file not found: .*nope.csv"):
        load_table(tmp_path / "nope.csv", "q", "y")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ValueError, match="cannot read empty.csv as CSV"):
        load_table(empty, "q", "y")
    junk = tmp_path / "junk.csv"
    junk.write_text("q,y\nn/a,1\nx,\n")
    with pytest.raises(ValueError, match="no usable rows in junk.csv"):
        load_table(junk, "q", "y")
