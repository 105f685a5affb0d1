"""Small things the dashboard review saw wrong, each checked where it is drawn (AppTest, no browser)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _cards() -> None:
    from qroi.dashboard import components

    components.cards(
        [
            components.Card("Flat", "10", "+0.0"),
            components.Card("Flat share", "10%", "-0.0 pp", "inverse"),
            components.Card("Up", "11", "+1.0"),
        ]
    )


def test_a_zero_change_is_not_styled_as_an_increase() -> None:
    at = AppTest.from_function(_cards, default_timeout=60).run()
    assert not at.exception
    flat, flat_share, up = at.metric
    for card in (flat, flat_share):
        assert not card.delta.startswith(("+", "-"))
        assert card.proto.color == 2  # MetricColor.GRAY: neither green nor red
        assert card.proto.direction == 2  # MetricDirection.NONE: no arrow
    assert up.delta == "+1.0" and up.proto.direction == 1
