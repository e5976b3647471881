"""The Excel functions' tests read no market-data cache unless a test points them at one (issue 12)."""

from __future__ import annotations

import pytest

from excel_addin import _market


@pytest.fixture(autouse=True)
def _bundled_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIQCALC_MARKET_DB", "off")  # a trader's ~/.liqcalc-market.sqlite3 must not change results
    monkeypatch.setattr(_market, "_state", _market._State())
