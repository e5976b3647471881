"""Inline buttons under the answers, with stateless ``callback_data`` (≤ 64 bytes).

A button carries the whole trade it will show, so any process can answer it and nothing is kept
in memory (PTB's ``arbitrary_callback_data`` would be). The payload is the target state, not an
action: pressing twice shows the same card (Telegram says "message is not modified", ignored).

Format, ``|``-separated, trailing empty fields dropped::

    1l|S|i|50000|10|1000|||10000|b|ETH|0.004
    ^^ ^ ^ entry lev margin qty notional bal venue sym mmr fee mark add cum inverse cs
    |view (l: /liq, c: /compare)  side (L, S, empty: both)  mode (i, c)

``1s|v|binance`` and ``1s|r`` are the ``/settings`` venue and reset buttons; ``1w|…`` (🔔) starts a
watch on the trade, ``1u|<id>`` (❌ under ``/watches``) removes a watch. The "📈 chart" button
under a card carries the card's own trade with the view letter in upper case (``1L|…``: the ladder
of that ``/liq`` card, ``1C|…``: of that ``/compare`` card), so it fits wherever the card's other
buttons fit. The leading digit is the format version. Anything that does not decode raises
:class:`ButtonDataError` (a forged or stale button).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from core import VENUES, ContractType, MarginMode, Side, TradeRequest

__all__ = [
    "CHART_PATTERN",
    "LEVERAGE_STEPS",
    "MAX_DATA_BYTES",
    "ButtonDataError",
    "SettingsButton",
    "TradeButton",
    "decode",
    "encode_settings",
    "encode_trade",
    "leverage_step",
    "settings_keyboard",
    "trade_keyboard",
]

MAX_DATA_BYTES = 64
VERSION = "1"
LEVERAGE_STEPS = (1.0, 2.0, 3.0, 5.0, 10.0, 15.0, 20.0, 25.0, 50.0, 75.0, 100.0, 125.0)
VIEWS = {"l": "liq", "c": "compare", "L": "liq_chart", "C": "compare_chart", "w": "watch"}
CHART_PATTERN = r"^1[LC]\|"  # CallbackQueryHandler pattern of the chart buttons
_VENUE_CODES = {
    "textbook": "t", "binance": "b", "bybit": "y", "bybit-classic": "Y", "okx": "o", "gate": "g", "hyperliquid": "h",
    "bitget": "B", "mexc": "m",
}  # fmt: skip
_CODE_VENUES = {code: key for key, code in _VENUE_CODES.items()}
_FIELDS = (
    "entry_price", "leverage", "margin", "quantity", "notional", "wallet_balance", "venue", "symbol",
    "mmr", "taker_fee_rate", "mark_price", "added_margin", "maintenance_amount", "contract", "contract_size",
    "stop_price", "unsupported_venue",
)  # fmt: skip


_TEXT_FIELDS = frozenset({"venue", "symbol", "contract", "unsupported_venue"})


class ButtonDataError(ValueError):
    """``callback_data`` that this version did not write (forged, truncated, or from an old version)."""


class TradeButton(NamedTuple):
    """A decoded trade button: which card to show, and the trade (validated later by core)."""

    view: str  # "liq", "compare", or their charts "liq_chart", "compare_chart"
    fields: dict[str, Any]  # TradeRequest keyword arguments

    def request(self) -> TradeRequest:
        """The trade as a validated request (raises pydantic's ``ValidationError`` on forged values)."""
        return TradeRequest(**self.fields)


class SettingsButton(NamedTuple):
    """A decoded ``/settings`` button: ``venue`` with a venue key, or ``reset``."""

    action: str
    value: str | None


def _num(value: float) -> str:
    """Shortest text that reads back as the same float.

    >>> _num(50000.0), _num(0.004), _num(123456.789), _num(1e-05)
    ('50000', '0.004', '123456.789', '1e-05')
    """
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def encode_trade(request: TradeRequest, view: str = "liq") -> str | None:
    """The ``callback_data`` of a button that shows ``request``; None when it does not fit 64 bytes."""
    code = next((c for c, v in VIEWS.items() if v == view), None)
    if code is None:
        raise ValueError(f"unknown view {view!r}")
    side = {Side.LONG: "L", Side.SHORT: "S", None: ""}[request.side]
    mode = "c" if request.margin_mode is MarginMode.CROSS else "i"
    parts = [VERSION + code, side, mode]
    for name in _FIELDS:
        value = getattr(request, name)
        if name == "venue":
            parts.append("" if value is None else _VENUE_CODES.get(value, value))
        elif name in ("symbol", "unsupported_venue"):
            parts.append(value or "")
        elif name == "contract":
            parts.append("i" if value is ContractType.INVERSE else "")
        elif name == "added_margin":
            parts.append(_num(value) if value else "")
        else:
            parts.append("" if value is None else _num(value))
    while parts and parts[-1] == "":
        parts.pop()
    data = "|".join(parts)
    if len(data.encode()) > MAX_DATA_BYTES:
        return None
    return data


def encode_settings(action: str, value: str | None = None) -> str:
    """``1s|v|binance`` or ``1s|r``."""
    data = f"{VERSION}s|{action}" + (f"|{value}" if value else "")
    if len(data.encode()) > MAX_DATA_BYTES:
        raise ValueError(f"settings button data {data!r} is longer than {MAX_DATA_BYTES} bytes")
    return data


def _decode_number(text: str) -> float:
    if len(text) > 24:
        raise ButtonDataError("number too long")
    try:
        value = float(text)
    except ValueError:
        raise ButtonDataError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise ButtonDataError(f"not finite: {text!r}")
    return value


def decode(data: str | None) -> TradeButton | SettingsButton:
    """Read ``callback_data`` written by this module.

    Raises:
        ButtonDataError: anything else (the handler answers politely).

    >>> decode("1l|S|i|50000|10|1000")
    TradeButton(view='liq', fields={'side': <Side.SHORT: 'short'>, 'margin_mode': <MarginMode.ISOLATED: 'isolated'>, \
'entry_price': 50000.0, 'leverage': 10.0, 'margin': 1000.0})
    """
    if not data or len(data.encode()) > MAX_DATA_BYTES or not data.startswith(VERSION):
        raise ButtonDataError("unknown button")
    parts = data.split("|")
    head = parts[0][len(VERSION) :]
    if head == "s":
        if len(parts) == 2 and parts[1] == "r":
            return SettingsButton("reset", None)
        if len(parts) == 3 and parts[1] == "v" and parts[2] in VENUES:
            return SettingsButton("venue", parts[2])
        raise ButtonDataError("bad settings button")
    if head not in VIEWS or len(parts) < 4 or len(parts) > 3 + len(_FIELDS):
        raise ButtonDataError("bad trade button")
    side_code, mode_code = parts[1], parts[2]
    if side_code not in {"L", "S", ""} or mode_code not in {"i", "c"}:
        raise ButtonDataError("bad side or mode")
    fields: dict[str, Any] = {
        "side": {"L": Side.LONG, "S": Side.SHORT, "": None}[side_code],
        "margin_mode": MarginMode.CROSS if mode_code == "c" else MarginMode.ISOLATED,
    }
    for name, text in zip(_FIELDS, parts[3:], strict=False):
        if text == "":
            continue
        if name not in _TEXT_FIELDS:
            fields[name] = _decode_number(text)
        elif name == "venue":
            fields[name] = _CODE_VENUES.get(text, text)
        elif name == "symbol":
            if not text.isalnum() or len(text) > 20:
                raise ButtonDataError("bad symbol")
            fields[name] = text
        elif name == "contract":
            if text != "i":
                raise ButtonDataError("bad contract")
            fields[name] = ContractType.INVERSE
    if fields["side"] is None:
        fields.pop("side")
    return TradeButton(VIEWS[head], fields)


def leverage_step(leverage: float, direction: int) -> float | None:
    """The next common leverage above (``+1``) or below (``-1``); None at either end.

    >>> leverage_step(10, +1), leverage_step(10, -1), leverage_step(7, +1), leverage_step(1, -1)
    (15.0, 5.0, 10.0, None)
    """
    if direction > 0:
        return next((step for step in LEVERAGE_STEPS if step > leverage * (1 + 1e-9)), None)
    return next((step for step in reversed(LEVERAGE_STEPS) if step < leverage * (1 - 1e-9)), None)


def _with_leverage(request: TradeRequest, leverage: float) -> TradeRequest:
    """The same trade at another leverage: the margin stays, unless the size was given explicitly."""
    update: dict[str, Any] = {"leverage": leverage}
    if request.margin is not None and (request.quantity is not None or request.notional is not None):
        update["margin"] = None
    return request.model_copy(update=update)


def _button(text: str, data: str | None) -> InlineKeyboardButton | None:
    return None if data is None else InlineKeyboardButton(text, callback_data=data)


def trade_keyboard(
    request: TradeRequest,
    leverage: float | None,
    view: str = "liq",
    *,
    computes: Callable[[TradeRequest], bool] | None = None,
    watchable: bool = False,
) -> InlineKeyboardMarkup | None:
    """Buttons under a ``/liq`` or ``/compare`` card: flip side, iso/cross, leverage down/up, chart.

    ``leverage`` is the position's leverage as core resolved it (None: no leverage buttons).
    Only buttons that can work are offered: ⇄ cross needs a wallet balance, and a leverage step
    is left out when ``computes`` says the venue refuses it (above the bracket's maximum).
    Buttons whose data would not fit 64 bytes are left out. ``watchable`` (the bot has market data):
    🔔 buttons that start a watch on the card's trade.
    """
    first: list[InlineKeyboardButton | None] = []
    if request.side is None:
        first += [
            _button("📈 long only", encode_trade(request.model_copy(update={"side": Side.LONG}), view)),
            _button("📉 short only", encode_trade(request.model_copy(update={"side": Side.SHORT}), view)),
        ]
    else:
        other = request.side.opposite
        first.append(_button(f"⇅ {other.value}", encode_trade(request.model_copy(update={"side": other}), view)))
        if view == "liq":
            first.append(_button("⇆ both sides", encode_trade(request.model_copy(update={"side": None}), view)))
    if view == "liq" and (request.margin_mode is MarginMode.CROSS or request.wallet_balance is not None):
        mode = MarginMode.ISOLATED if request.margin_mode is MarginMode.CROSS else MarginMode.CROSS
        first.append(_button(f"⇄ {mode.value}", encode_trade(request.model_copy(update={"margin_mode": mode}), view)))
    second: list[InlineKeyboardButton | None] = []
    if leverage is not None:
        for direction, icon in ((-1, "➖"), (+1, "➕")):
            step = leverage_step(leverage, direction)
            if step is None:
                continue
            stepped = _with_leverage(request, step)
            # a lower leverage only lowers the size's bracket: only a step up can be refused
            if direction < 0 or computes is None or computes(stepped):
                second.append(_button(f"{icon} {step:g}x", encode_trade(stepped, view)))
    third = [_button("📈 chart", encode_trade(request, f"{view}_chart"))]
    if watchable and view == "liq":  # 🔔 starts a watch on this card's trade (one side each)
        sides = (request.side,) if request.side is not None else (Side.LONG, Side.SHORT)
        for side in sides:
            label = "🔔 watch" if request.side is not None else f"🔔 watch {side.value}"
            third.append(_button(label, encode_trade(request.model_copy(update={"side": side}), "watch")))
    rows = [[b for b in row if b is not None] for row in (first, second, third)]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def settings_keyboard() -> InlineKeyboardMarkup:
    """Venue picker and reset under ``/settings``."""
    venues = [InlineKeyboardButton(v.name, callback_data=encode_settings("v", key)) for key, v in VENUES.items()]
    rows = [venues[i : i + 3] for i in range(0, len(venues), 3)]
    rows.append([InlineKeyboardButton("↺ reset all", callback_data=encode_settings("r"))])
    return InlineKeyboardMarkup(rows)
