"""Encodings every comparison chart shares, so a band or a small base looks the same on every page."""

from __future__ import annotations

import altair as alt

BAND_COLOURS = {"higher": "#b2182b", "similar": "#8c8c8c", "lower": "#2166ac"}


def band_colour() -> alt.Color:
    """A unit's point coloured by its band against the network at 95% (higher, similar, lower)."""
    return alt.Color("band_95:N", title="Against the network (95%)",
                     scale=alt.Scale(domain=list(BAND_COLOURS), range=list(BAND_COLOURS.values())))


def small_base_shape() -> alt.Shape:
    """A small base drawn as a triangle, every other point as a circle."""
    return alt.Shape("is_small_base:N", title="Small base",
                     scale=alt.Scale(domain=[False, True], range=["circle", "triangle"]))
