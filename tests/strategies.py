"""Shared Hypothesis strategies: realistic trades across venues."""

from __future__ import annotations

from hypothesis import strategies as st

entry_prices = st.floats(min_value=0.001, max_value=200_000, allow_nan=False, allow_infinity=False)
leverages = st.floats(min_value=1.1, max_value=100, allow_nan=False)
quantities = st.floats(min_value=1e-4, max_value=1_000, allow_nan=False)
mmrs = st.floats(min_value=0.0, max_value=0.2, allow_nan=False)
sides = st.sampled_from(["long", "short"])
bases = st.sampled_from(["liquidation", "entry"])
fee_models = st.sampled_from(["none", "taker_in_mmr"])
taker_fees = st.floats(min_value=0.0, max_value=0.001, allow_nan=False)
