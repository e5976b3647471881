"""Read trade calls posted in Telegram trading groups.

A trade call is a message such as ``BTC long 50000 10x SL 48500 TP 54000 / 56000`` or a
Cornix-style signal (``#BTC/USDT``, ``Signal Type: Regular (Long)``, ``Entry Targets: 1) 49500 2) 50500``,
``Take-Profit Targets: ...``, ``Stop Targets: ...``, ``Leverage: Cross 10x``). :func:`parse_trade_call`
turns it into a frozen :class:`TradeCall`, or raises :class:`~core.errors.TradeCallError` with a short,
plain-text message that says what a call looks like.

How a message is read:

* Only the first 4,000 characters are read (``_MAX_INPUT_CHARS``), so the time taken is bounded
  whatever is pasted; a call that starts after that is not seen.
* Characters are folded one for one (fullwidth and styled letters and digits to ASCII, dashes and
  minus signs to ``-``, ``×`` to ``x``, odd spaces to a space), so ``read_back`` quotes the poster's own
  text. Links (``https://…``, ``t.me/…``, ``www.…``) are blanked out.
* Labels say what the numbers after them are: a side word (long/short/buy/sell) or an entry label
  (``entry``, ``entries``, ``enter``) → entry; ``SL``/``S/L``/``stop``/``stop-loss``/🛑/⛔ → stop;
  ``TP``/``TP1``/``T1``/``take-profit``/``targets``/🎯 → take-profits; ``leverage``/``lev`` → leverage.
  A label keeps its meaning on the next lines (Cornix lists the values under the label) until another
  label appears. An unknown word (an exchange name, "DYOR", "market") ends the label's reach, so numbers
  after it are ignored, not guessed; a line holding no label and no read number (chatter, a hashtag line)
  changes nothing.
* Numbers: ``50k``, ``1.2m``, ``50,000``, ``50 000``, ``$50,000.5``, ``0.00001234``, ``0,5`` (a comma is
  a decimal point only where it cannot be a thousands separator), leverage ``10x``/``x10``/``(20.0X)``;
  list markers (``1)``, ``1.`` at a line start, ``TP 1:``, ``#1``, keycap emoji) and percentages are
  skipped; ``1m``/``5m``/``15m``/``30m`` are timeframes, not millions. When ``50 500`` could be one number
  or two, the reading that makes a consistent call wins (``000`` as a price never does).
* The symbol is the base asset, upper case: from a pair (``#BTC/USDT``, ``BTCUSDT``, ``BTC-PERP``), a
  cashtag (``$BTC``), a hashtag, a ``Coin:`` label, an upper-case word next to the side word, or a
  well-known ticker (``btc``); otherwise ``None``.
* Entry: every entry number counts; ``entry_low``/``entry_high`` are the lowest and highest. Stop: the
  first one read. Take-profits: in the order posted. Leverage: the highest one read (``10-20x`` → 20,
  the conservative choice for a liquidation estimate). Margin mode: the first one read.
* Side: the first side word. ``sell`` after a long's entry (``Buy: … Sell: …`` spot signals), or ``buy``
  after a short's, starts the take-profits; any other mix of long and short is rejected.
* More than 25 values under one label is a list of numbers, not a call, and is rejected.

Example:
    >>> call = parse_trade_call("BTC long 49.5k-50.5k 10x cross SL 48000 TP 52000 / 54000")
    >>> call.summary()
    'BTC long · entry 49,500–50,500 · stop 48,000 · TP 52,000 / 54,000 · 10x cross'
    >>> call.entry_price
    50000.0
"""

from __future__ import annotations

import bisect
import functools
import math
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple, Self

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from core.enums import MarginMode, Side
from core.errors import TradeCallError

__all__ = ["TradeCall", "parse_trade_call"]

_MAX_INPUT_CHARS = 4_000
"""Characters read from a message; the rest is dropped before parsing."""

_MAX_LEVERAGE = 200.0
"""Highest believable leverage (multiplier); above it the call is rejected."""

_MAX_STOP_DISTANCE = 0.9
"""Largest believable distance from entry to stop, as a fraction of the entry price (0.9 = 90 %)."""

_MAX_ENTRY_SPREAD = 2.0
"""Largest believable ratio of the entry range's high to its low."""

_MAX_VALUES_PER_FIELD = 25
"""Most entry prices, stops, take-profits or leverages one call may list; more is not a single call."""

_EXAMPLE = "BTC long 50000 SL 48500 TP 54000"

_NOT_A_CALL = f"I couldn't find a trade in that message; a call looks like: {_EXAMPLE}"


class TradeCall(BaseModel):
    """A trade call as posted: side, entry, stop, take-profits, leverage and margin mode.

    Prices are in quote currency per unit of the base asset (USDT per BTC for ``BTCUSDT``). The model
    cannot hold a contradictory or absurd call: the checks below raise
    :class:`~core.errors.TradeCallError`, also when the model is built directly.

    Attributes:
        symbol: base asset in upper case (``"BTC"`` from ``#BTC/USDT``), or ``None`` if not named.
        side: long or short.
        entry_low: lowest entry price, quote per base.
        entry_high: highest entry price, quote per base; equal to ``entry_low`` for a single entry.
        entry_prices: every entry price posted, in message order (``()`` when built with only the
            range); :attr:`entries` gives them, or the range's ends.
        stop_price: stop-loss price, quote per base, or ``None``.
        take_profit_prices: take-profit prices in the order posted, quote per base.
        leverage: leverage as a multiplier (10.0 = 10x), or ``None``.
        margin_mode: cross or isolated, or ``None`` if not stated.
        read_back: what was read, as ``(field label, raw text fragment)`` pairs in message order, so a
            front end can show the poster what was understood. Labels: ``symbol``, ``side``, ``entry``,
            ``stop``, ``take-profit``, ``leverage``, ``margin``.

    Raises:
        TradeCallError: (when built) a price that is not a positive finite number; leverage ≤ 0 or
            above 200; an entry range whose high is more than twice its low; a long whose stop is not
            below its entry or whose take-profit is not above it (mirrored for a short); a stop more
            than 90 % away from the entry price.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    symbol: str | None = None
    side: Side
    entry_low: float
    entry_high: float
    entry_prices: tuple[float, ...] = ()
    stop_price: float | None = None
    take_profit_prices: tuple[float, ...] = ()
    leverage: float | None = None
    margin_mode: MarginMode | None = None
    read_back: tuple[tuple[str, str], ...] = ()
    venue: str | None = None  # the venue named in the call ("Exchange: Bybit Futures", "ex binance"), as a key

    @field_validator("symbol")
    @classmethod
    def _upper_symbol(cls, value: str | None) -> str | None:
        """Normalise the symbol to upper case; an empty symbol means none."""
        if value is None:
            return None
        return value.strip().upper() or None

    @model_validator(mode="after")
    def _check_call(self) -> Self:
        """Reject absurd values and contradictions with a message that names them."""
        _check_prices(self)
        _check_leverage(self.leverage)
        _check_direction(self)
        _check_stop_distance(self)
        return self

    @property
    def entries(self) -> tuple[float, ...]:
        """The distinct entry prices, lowest first: the posted ones, or the two ends of the range.

        >>> parse_trade_call("BTC long entry 50000 49000 48000 SL 46000").entries
        (48000.0, 49000.0, 50000.0)
        """
        return tuple(sorted(set(self.entry_prices or (self.entry_low, self.entry_high))))

    @property
    def entry_price(self) -> float:
        """Midpoint of the entry range, ``(entry_low + entry_high) / 2``, quote per base.

        Implementation note: the fills of a DCA ladder are not known from a call, so every entry is
        weighted equally; a weighted DCA average is not assumed.
        """
        return (self.entry_low + self.entry_high) / 2

    def summary(self) -> str:
        """Render the call as one plain-text line (no HTML).

        Returns:
            For example ``"BTC long · entry 49,500–50,500 · stop 48,000 · TP 52,000 / 54,000 · 10x cross"``;
            parts that were not posted are left out.
        """
        head = f"{self.symbol} {self.side.value}" if self.symbol else self.side.value
        parts = [head, f"entry {_entry_text(self.entry_low, self.entry_high)}"]
        if self.stop_price is not None:
            parts.append(f"stop {_fmt(self.stop_price)}")
        if self.take_profit_prices:
            parts.append("TP " + " / ".join(_fmt(price) for price in self.take_profit_prices))
        sizing = []
        if self.leverage is not None:
            sizing.append(f"{_fmt(self.leverage)}x")
        if self.margin_mode is not None:
            sizing.append(self.margin_mode.value)
        if sizing:
            parts.append(" ".join(sizing))
        return " · ".join(parts)


def parse_trade_call(text: str) -> TradeCall:
    """Read a trade call posted in a chat.

    Only the first 4,000 characters are read; anything after them is dropped before parsing, which
    bounds the time taken. Reading is linear in the length (possessive regular expressions, no
    backtracking); a typical 1,000-character message takes about half a millisecond.

    Args:
        text: the message as posted, any unicode, any length.

    Returns:
        The call, with ``read_back`` listing the fragments that were read.

    Raises:
        TradeCallError: no trade in the message; the side or the entry is missing; the message reads as
            both long and short; more than 25 values under one label; or the call is absurd or
            contradicts itself (see :class:`TradeCall`). No other exception is raised for any string.

    Example:
        >>> parse_trade_call("ETH short 3,200 SL 3,350 TP 3,000").stop_price
        3350.0
    """
    source = text[:_MAX_INPUT_CHARS]
    folded = _fold(source)
    call = _parse_folded(folded, source)
    low = folded.lower()
    named = _VENUE_NAMED.search(folded) if any(key in low for key in _VENUE_HINTS) else None
    if named is None:
        return call
    venue = _VENUE_KEYS[named.group(1).lower()]
    return call.model_copy(update={"venue": venue, "read_back": (*call.read_back, ("venue", named.group(0)))})


# The venues a call may name ("Exchange: Bybit Futures", "ex binance", "#OKX"), as whole words.
_VENUE_KEYS = {
    "binance": "binance",
    "bybit": "bybit",
    "okx": "okx",
    "okex": "okx",
    "gate": "gate",
    "gateio": "gate",
    "gate.io": "gate",
    "hyperliquid": "hyperliquid",
}
_VENUE_HINTS = ("binance", "bybit", "okx", "okex", "gate", "hyperliquid")  # cheap test before the regex
_VENUE_NAMED = re.compile(r"(?<![\w.])(binance|bybit|okx|okex|gate\.io|gateio|hyperliquid)(?![\w.])", re.IGNORECASE)


def _parse_folded(folded: str, source: str) -> TradeCall:
    tokens = _tokenize(folded)
    symbol = _find_symbol(tokens, folded)
    groups = _space_groups(tokens, folded)
    if not groups:
        return _read(tokens, folded, source, symbol)
    merged = _merge_groups(tokens, groups)
    # ``50 000`` is one number; ``150 160`` (two targets) is two. Try the likelier reading first.
    merge_first = any(tokens[i].text.startswith("0") for group in groups for i in group[1:])
    first, second = (merged, tokens) if merge_first else (tokens, merged)
    try:
        return _read(first, folded, source, symbol)
    except TradeCallError as first_error:
        try:
            return _read(second, folded, source, symbol)
        except TradeCallError:
            raise first_error from None


# --------------------------------------------------------------------------------------------------
# Validation (shared by parsing and direct construction)


def _check_prices(call: TradeCall) -> None:
    """Every price must be a positive finite number and the entry range must be believable."""
    named = [("entry", "entry_low", call.entry_low), ("entry", "entry_high", call.entry_high)]
    if call.stop_price is not None:
        named.append(("stop", "stop_price", call.stop_price))
    named.extend(("take-profit", "take_profit_prices", price) for price in call.take_profit_prices)
    for label, field_name, price in named:
        if not math.isfinite(price):
            raise TradeCallError(
                f"the {label} price is not a finite number; check the digits, e.g. {_EXAMPLE}",
                field=field_name,
            )
        if price <= 0:
            raise TradeCallError(
                f"{label} {_fmt(price)} is not a positive price; type prices like 50000 or 0.00001234",
                field=field_name,
            )
    if call.entry_prices and (min(call.entry_prices) != call.entry_low or max(call.entry_prices) != call.entry_high):
        raise TradeCallError(
            f"the entry prices {', '.join(_fmt(p) for p in call.entry_prices)} do not span the entry range "
            f"{_entry_text(call.entry_low, call.entry_high)}; give one or the other",
            field="entry_prices",
        )
    if call.entry_low > call.entry_high:
        raise TradeCallError(
            f"the entry range starts at {_fmt(call.entry_low)}, above its end {_fmt(call.entry_high)}; "
            "put the lower price first",
            field="entry_low",
        )
    if call.entry_high > _MAX_ENTRY_SPREAD * call.entry_low:
        raise TradeCallError(
            f"the entry range {_entry_text(call.entry_low, call.entry_high)} is too wide (its high is more "
            "than twice its low); check the digits or post one entry like 50000",
            field="entry_high",
        )


def _check_leverage(leverage: float | None) -> None:
    """Leverage must be finite, above 0 and at most 200."""
    if leverage is None:
        return
    if not math.isfinite(leverage):
        raise TradeCallError("the leverage is not a finite number; type it like 10x", field="leverage")
    if leverage <= 0:
        raise TradeCallError(f"leverage {_fmt(leverage)}x must be above 0; type it like 10x", field="leverage")
    if leverage > _MAX_LEVERAGE:
        raise TradeCallError(
            f"leverage {_fmt(leverage)}x is above {_fmt(_MAX_LEVERAGE)}x; "
            f"type a leverage up to {_fmt(_MAX_LEVERAGE)}x, like 10x",
            field="leverage",
        )


def _check_direction(call: TradeCall) -> None:
    """A long's stop is below its entry and its take-profits above it; mirrored for a short."""
    low, high = call.entry_low, call.entry_high
    is_long = call.side is Side.LONG
    name = "a long's" if is_long else "a short's"
    stop = call.stop_price
    if stop is not None and (stop >= low if is_long else stop <= high):
        wanted = "below" if is_long else "above"
        raise TradeCallError(
            f"{name} stop must be {wanted} its entry: stop {_fmt(stop)} is {_where(stop, low, high)}",
            field="stop_price",
        )
    for price in call.take_profit_prices:
        if price <= low if is_long else price >= high:
            wanted = "above" if is_long else "below"
            raise TradeCallError(
                f"{name} take-profit must be {wanted} its entry: TP {_fmt(price)} is {_where(price, low, high)}",
                field="take_profit_prices",
            )


def _check_stop_distance(call: TradeCall) -> None:
    """A stop more than 90 % away from the entry price is taken for a typo."""
    if call.stop_price is None:
        return
    entry = call.entry_price
    distance = abs(call.stop_price - entry) / entry
    if distance > _MAX_STOP_DISTANCE:
        direction = "below" if call.stop_price < entry else "above"
        raise TradeCallError(
            f"stop {_fmt(call.stop_price)} is {_fmt(math.floor(distance * 1000) / 10)}% {direction} entry "
            f"{_fmt(entry)}; a stop more than {_fmt(_MAX_STOP_DISTANCE * 100)}% away looks like a typo, "
            "check the digits",
            field="stop_price",
        )


def _where(price: float, low: float, high: float) -> str:
    """Say where ``price`` lies relative to the entry (a single price or a range)."""
    if low == high:
        relation = "above" if price > low else "below" if price < low else "at"
        return f"{relation} entry {_fmt(low)}"
    span = _entry_text(low, high)
    if price > high:
        return f"above the entry range {span}"
    if price < low:
        return f"below the entry range {span}"
    if price == low:
        return f"at the bottom of the entry range {span}"
    if price == high:
        return f"at the top of the entry range {span}"
    return f"inside the entry range {span}"


def _entry_text(low: float, high: float) -> str:
    """``50,000`` for a single entry, ``49,500–50,500`` for a range."""
    return _fmt(low) if low == high else f"{_fmt(low)}–{_fmt(high)}"


def _fmt(value: float) -> str:
    """Format a number for people: thousands commas, no exponent, no trailing zeros."""
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1e15:
        return f"{value:.6g}"
    text = format(Decimal(repr(value)), ",f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


# --------------------------------------------------------------------------------------------------
# Folding and tokens

_KEYCAP_RE = re.compile("[0-9#*]\ufe0f?\u20e3")
_LINK_RE = re.compile(r"(?:https?://|www\.|t\.me/)\S*", re.IGNORECASE)
_SLASH_LABEL_RE = re.compile(r"(?<![^\W_])([SsTt])/([LlPp])(?![^\W_])")

_ASCII_FOLD = {ord("\t"): " ", ord("\r"): " ", 0x0B: "\n", 0x0C: "\n", 0x1C: "\n", 0x1D: "\n", 0x1E: "\n"}
_ASCII_CONTROL_RE = re.compile("[\t\r\x0b\x0c\x1c-\x1e]")
# Every non-ASCII character that folds to something else: unicode spaces and line breaks, dashes and minus
# signs, zero-width characters, the multiplication sign, fullwidth ASCII, superscripts and subscripts,
# enclosed alphanumerics (①) and mathematical alphanumerics (𝐋𝐎𝐍𝐆, 𝟓).
_FOLDABLE_RE = re.compile(
    "[\x85\xa0\xad\xd7\u1680\u2000-\u200d\u2010-\u2015\u2028\u2029\u202f\u205f\u2060\u2212"
    "\u2e3a\u2e3b\u3000\ufe0f\ufe58\ufe63\ufeff\uff01-\uff5e\u2070-\u209f\u2460-\u24ff"
    "\U0001d400-\U0001d7ff]"
)
_SPECIAL_FOLD = {
    "\u2028": "\n",
    "\u2029": "\n",
    "\x85": "\n",
    "\u00d7": "x",  # multiplication sign: 10× leverage
    "\u00ad": " ",  # soft hyphen
    "\u200b": " ",
    "\u200c": " ",
    "\u200d": " ",
    "\u2060": " ",
    "\ufeff": " ",
    "\ufe0f": " ",
}
# Blocks whose letters and digits fold to one ASCII character under NFKC: superscripts and subscripts,
# enclosed alphanumerics (①), mathematical alphanumerics (𝐋𝐎𝐍𝐆, 𝟓). Fullwidth forms are shifted directly.
_COMPAT_BLOCKS = ((0x2070, 0x209F), (0x2460, 0x24FF), (0x1D400, 0x1D7FF))


def _fold_char(char: str) -> str:
    """Fold one non-ASCII character to exactly one character (ASCII where it has an ASCII twin)."""
    special = _SPECIAL_FOLD.get(char)
    if special is not None:
        return special
    code = ord(char)
    if 0xFF01 <= code <= 0xFF5E:  # fullwidth ASCII
        return chr(code - 0xFEE0)
    for first, last in _COMPAT_BLOCKS:
        if first <= code <= last:
            compat = unicodedata.normalize("NFKC", char)
            return compat if len(compat) == 1 and compat.isascii() else char
    if char.isspace():
        return " "
    return "-"  # the rest of _FOLDABLE_RE: hyphens, dashes and minus signs


def _fold(text: str) -> str:
    """Fold the message one character for one, so offsets still point into the original text."""
    if "\u20e3" in text:
        text = _KEYCAP_RE.sub(lambda match: " " * len(match.group()), text)
    folded = text.translate(_ASCII_FOLD) if _ASCII_CONTROL_RE.search(text) else text
    if not folded.isascii():
        found = _FOLDABLE_RE.findall(folded)
        if found:
            table = {char: _fold_char(char) for char in set(found)}
            folded = _FOLDABLE_RE.sub(lambda match: table[match.group()], folded)
    if "/" in folded or "www." in folded.lower():
        folded = _LINK_RE.sub(lambda match: " " * len(match.group()), folded)
        folded = _SLASH_LABEL_RE.sub(r"\1\2 ", folded)
    return folded


# Token kinds. Plain strings, not an Enum: the reader compares them once per token.
_NUM = "num"
_WORD = "word"
_PUNCT = "punct"
_NEWLINE = "newline"
_EMOJI = "emoji"
_TARGET_EMOJI = "\U0001f3af"

# Every alternative consumes a maximal run with possessive quantifiers, so matching is linear.
_TOKEN_RE = re.compile(
    r"""
    (?P<num>[0-9]++(?:[.,][0-9]++)*+[kKmMxX]?+)(?![^\W_])
    | (?P<word>[^\W_]++)
    | (?P<punct>[-/:@\#$%()~+=|_])
    | (?P<newline>\n)
    | (?P<emoji>[\U0001F3AF\U0001F6D1\u26D4])
    """,
    re.VERBOSE,
)


class _Token(NamedTuple):
    """One token: ``text`` is the folded text (a number's digits without its suffix)."""

    kind: str
    text: str
    start: int
    end: int
    suffix: str = ""


def _tokenize(folded: str) -> list[_Token]:
    """Split folded text into numbers, words, punctuation, newlines and label emoji."""
    tokens: list[_Token] = []
    append = tokens.append
    new = tuple.__new__  # builds the named tuple without the Python-level __new__: ~40 % faster here
    for match in _TOKEN_RE.finditer(folded):
        kind = match.lastgroup or ""
        text = match.group()
        if kind == _NUM and text[-1] in "kKmMxX":
            append(new(_Token, (kind, text[:-1], match.start(), match.end(), text[-1].lower())))
        else:
            append(new(_Token, (kind, text, match.start(), match.end(), "")))
    return tokens


# --------------------------------------------------------------------------------------------------
# Words

_SIDE_WORDS = {"long": Side.LONG, "buy": Side.LONG, "short": Side.SHORT, "sell": Side.SHORT}
_NOT_SIDE_BEFORE = frozenset({"term", "time", "story", "ago", "way", "run", "squeeze", "squeezes"})
_MARGIN_WORDS = {
    "cross": MarginMode.CROSS,
    "crossed": MarginMode.CROSS,
    "isolated": MarginMode.ISOLATED,
    "iso": MarginMode.ISOLATED,
    "isolate": MarginMode.ISOLATED,
}
_LEVERAGE_WORDS = frozenset({"leverage", "lev", "leveraged"})
_SYMBOL_LABELS = frozenset({"coin", "pair", "symbol", "ticker", "asset", "token"})
_QUOTES = ("USDT", "USDC", "FDUSD", "TUSD", "BUSD", "USD", "PERP")
_SLASH_QUOTES = frozenset({*_QUOTES, "BTC", "ETH", "DAI", "EUR", "SWAP"})
_FILLERS = frozenset(
    {
        "at", "around", "from", "between", "and", "to", "or", "price", "prices", "zone", "zones",
        "area", "range", "level", "levels", "is", "of", "the", "in", "on", "for", "with", "now", "here",
        "loss", "take", "margin", "mode", "limit", "order", "orders", "usdt", "usdc", "usd", "busd",
        "fdusd", "tusd", "perp", "perps", "perpetual", "swap", "dollars", "each", "then", "plus", "also",
        "direction", "position", "side", "type",
        *_SYMBOL_LABELS,
    }
)  # fmt: skip
_KNOWN_TICKERS = frozenset(
    {
        "BTC", "ETH", "SOL", "XRP", "BNB", "DOGE", "ADA", "AVAX", "LTC", "TRX", "SHIB", "PEPE", "ARB",
        "SUI", "APT", "MATIC", "POL", "WIF", "BONK", "FLOKI", "INJ", "TIA", "SEI", "XLM", "BCH", "HBAR",
        "ICP", "XMR", "WLD", "JUP", "PYTH", "ORDI", "FET", "RNDR", "TAO", "ENA", "ONDO",
    }
)  # fmt: skip
_HASHTAG_STOPWORDS = frozenset(
    {
        "DYOR", "NFA", "SIGNAL", "SIGNALS", "CRYPTO", "TRADING", "TRADE", "TRADES", "FUTURES", "SPOT",
        "SCALP", "SWING", "BINANCE", "BYBIT", "OKX", "BITGET", "MEXC", "VIP", "FREE", "ALTCOIN",
        "ALTCOINS", "ALTS", "UPDATE", "NEWS", "TA", "CALL", "SETUP", "PUMP", "MOON", "GEM", "BULLISH",
        "BEARISH", "BREAKOUT", "ALERT", "PREMIUM", "CORNIX",
    }
)  # fmt: skip
_ADJACENT_STOPWORDS = _HASHTAG_STOPWORDS | frozenset(
    {
        "I", "IM", "WE", "GO", "GOING", "NOW", "HERE", "NEW", "THE", "A", "AN", "THIS", "THAT", "FULL",
        "STRONG", "BIG", "HUGE", "QUICK", "OPEN", "OPENING", "ENTER", "AND", "OR", "IS", "ARE", "BE",
        "TO", "IN", "ON", "AT", "FOR", "OF", "MY", "OUR", "NOT", "DONT", "JUST", "ALL", "MORE", "LESS",
        "HIGH", "LOW", "TYPE", "REGULAR", "MARKET", "LIMIT", "CMP", "X", "OK", "YES", "NO", "GM",
    }
)  # fmt: skip
_TIMEFRAMES = frozenset({"1", "3", "5", "15", "30", "45"})

_ENTRY_RE = re.compile(r"entry[0-9]{0,2}|entries|enter|entering")
_STOP_RE = re.compile(r"sl[0-9]?|stop|stops|stoploss(?:es)?")
_TP_RE = re.compile(r"tp[0-9]{0,2}|tps|t[0-9]{1,2}|targets?[0-9]{0,2}|tgts?[0-9]{0,2}|takeprofits?")
_TP_CONTINUATION = frozenset({"target", "targets", "tgt", "tgts"})
_LEVERAGE_X_RE = re.compile(r"x[0-9]{1,3}")
_TAG_RE = re.compile(r"[0-9]*[A-Z][A-Z0-9]*")

# What a word means to the reader (plain strings, compared once per word).
_W_SIDE = "side"
_W_ENTRY = "entry"
_W_STOP = "stop"
_W_TP = "tp"
_W_PROFIT = "profit"  # a take-profit label only right after "take"
_W_LEVERAGE = "leverage"
_W_LEVERAGE_VALUE = "leverage_value"  # x10
_W_MARGIN = "margin"
_W_FILLER = "filler"
_W_UNKNOWN = "unknown"
_LABEL_WORDS = frozenset({_W_ENTRY, _W_STOP, _W_SIDE})


@functools.lru_cache(maxsize=4096)
def _classify(word: str) -> str:
    """Classify a lower-case word without looking at its neighbours."""
    if word in _SIDE_WORDS:
        return _W_SIDE
    if word in _MARGIN_WORDS:
        return _W_MARGIN
    if word in _LEVERAGE_WORDS:
        return _W_LEVERAGE
    if word in _FILLERS:
        return _W_FILLER
    if word in ("profit", "profits"):
        return _W_PROFIT
    if _ENTRY_RE.fullmatch(word):
        return _W_ENTRY
    if _STOP_RE.fullmatch(word):
        return _W_STOP
    if _TP_RE.fullmatch(word):
        return _W_TP
    if _LEVERAGE_X_RE.fullmatch(word):
        return _W_LEVERAGE_VALUE
    return _W_UNKNOWN


def _spaced(folded: str, left: _Token, right: _Token, allowed: str = " ") -> bool:
    """True if only characters from ``allowed`` (or nothing) separate the two tokens."""
    return not folded[left.end : right.start].strip(allowed)


# --------------------------------------------------------------------------------------------------
# Symbol


class _Symbol(NamedTuple):
    """The chosen symbol and the starts of every symbol-like word (read past, never a reset)."""

    base: str | None
    start: int
    end: int
    word_starts: frozenset[int]


def _find_symbol(tokens: list[_Token], folded: str) -> _Symbol:
    """Find the base asset; the lowest priority number wins, then the earliest position.

    Priorities: 0 a pair (``#BTC/USDT``, ``BTCUSDT``, ``BTC-PERP``); 1 a cashtag or ``Coin:`` label;
    2 a hashtag; 3 a plausible ticker right next to the side word; 4 a well-known ticker anywhere.
    """
    best: tuple[int, int, str, int, int] | None = None
    word_starts: set[int] = set()
    for i, token in enumerate(tokens):
        text = token.text
        if token.kind != _WORD or not text.isascii():
            continue
        prev = tokens[i - 1] if i > 0 else None
        prefix = ""  # a glued "#" or "$"
        if prev is not None and prev.kind == _PUNCT and prev.end == token.start and prev.text in ("#", "$"):
            prefix = prev.text
        joint = tokens[i + 1] if i + 1 < len(tokens) else None
        quote_end = -1
        if joint is not None and joint.kind == _PUNCT and joint.start == token.end and joint.text in "/-_":
            quote_end = _pair_quote_end(tokens, i)
        label = prev
        if label is not None and label.kind == _PUNCT and label.text in (":", "-", "=") and i > 1:
            label = tokens[i - 2]
        after_label = (
            label is not None
            and label.kind == _WORD
            and label.text.lower() in _SYMBOL_LABELS
            and "\n" not in folded[label.end : token.start]
        )
        upper = text.upper()
        if (  # a bare word can only be a ticker next to the side word: most of the chatter stops here
            not prefix
            and quote_end < 0
            and not after_label
            and upper not in _KNOWN_TICKERS
            and not upper.endswith(_QUOTES)
            and not (
                (text.isupper() or text[0].isdigit())
                and _plausible_bare_ticker(text)
                and _next_to_side(tokens, i, folded)
            )
        ):
            continue
        lower = text.lower()
        if _classify(lower) not in (_W_UNKNOWN, _W_FILLER) or not _TAG_RE.fullmatch(upper):
            continue
        end = token.end
        base = upper
        stripped = _strip_quote(upper)
        if quote_end >= 0:
            priority = 0
            end = quote_end
            word_starts.add(tokens[i + 2].start)
        elif stripped is not None:
            priority, base = 0, stripped
        elif upper in _QUOTES or lower in _FILLERS:
            continue
        elif prefix == "$" or after_label:
            priority = 1
        elif prefix == "#":
            if upper in _HASHTAG_STOPWORDS:
                continue
            priority = 2
        elif _plausible_bare_ticker(text) and _next_to_side(tokens, i, folded):
            priority = 3
        elif upper in _KNOWN_TICKERS:
            priority = 4
        else:
            continue
        word_starts.add(token.start)
        if best is None or (priority, token.start) < best[:2]:
            start = token.start - len(prefix)
            best = (priority, token.start, base, start, end)
    if best is None:
        return _Symbol(None, 0, 0, frozenset(word_starts))
    return _Symbol(best[2], best[3], best[4], frozenset(word_starts))


def _pair_quote_end(tokens: list[_Token], i: int) -> int:
    """End of the quote in ``BTC/USDT``, ``BTC-PERP``, ``BTC_USDT`` (all glued) starting at token ``i``; else -1."""
    if i + 2 >= len(tokens):
        return -1
    joint, quote = tokens[i + 1], tokens[i + 2]
    if (
        joint.kind != _PUNCT
        or joint.text not in ("/", "-", "_")
        or quote.kind != _WORD
        or joint.start != tokens[i].end
        or quote.start != joint.end
    ):
        return -1
    quotes = _SLASH_QUOTES if joint.text == "/" else _QUOTES
    return quote.end if quote.text.upper() in quotes else -1


def _strip_quote(upper: str) -> str | None:
    """``BTCUSDT`` → ``BTC``, ``ETHUSDTPERP`` → ``ETH``; ``None`` if no quote is glued on."""
    if not upper.endswith(_QUOTES) or upper in _QUOTES:
        return None
    base = upper
    for _ in range(2):
        for quote in _QUOTES:
            if base.endswith(quote) and len(base) - len(quote) >= 2:
                base = base[: -len(quote)]
                break
    if base == upper or not _TAG_RE.fullmatch(base):
        return None
    return base


def _plausible_bare_ticker(word: str) -> bool:
    """A bare word next to the side word is a ticker if it is shouted, well known, or like 1000PEPE."""
    upper = word.upper()
    if upper in _ADJACENT_STOPWORDS or not 2 <= len(word) <= 12:
        return False
    return word.isupper() or upper in _KNOWN_TICKERS or word[0].isdigit()


def _next_to_side(tokens: list[_Token], i: int, folded: str) -> bool:
    """True if a side word sits right before or after token ``i``, separated by spaces only."""
    token = tokens[i]
    if i > 0:
        other = tokens[i - 1]
        if other.kind == _WORD and other.text.lower() in _SIDE_WORDS and _spaced(folded, other, token):
            return True
    if i + 1 < len(tokens):
        other = tokens[i + 1]
        if other.kind == _WORD and other.text.lower() in _SIDE_WORDS and _spaced(folded, token, other):
            return True
    return False


# --------------------------------------------------------------------------------------------------
# Numbers

_THOUSANDS_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_COMMA_DECIMAL_RE = re.compile(r"([0-9]+),([0-9]+)")
_PLAIN_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# A head of one to three digits, then groups of exactly three digits after single spaces; the number
# must stand alone (no letter, digit, comma or dot glued on either side, no k/m/x suffix).
_SPACE_GROUP_RE = re.compile(r"(?<![\w.,])[0-9]{1,3}+(?: [0-9]{3}+)++(?:\.[0-9]++)?+(?![\w,])")
_token_start = operator.attrgetter("start")
_MULTIPLIERS = {"k": Decimal(1_000), "m": Decimal(1_000_000)}


def _number_parts(token: _Token) -> list[tuple[str, int, int]]:
    """Split a number token into plain decimal strings with their offsets (``52000,54000`` is two)."""
    raw = token.text
    if "," not in raw:
        return [(raw, token.start, token.end)] if raw.count(".") <= 1 else []
    if _THOUSANDS_RE.fullmatch(raw) and not raw.startswith("0,"):
        return [(raw.replace(",", ""), token.start, token.end)]
    decimal = _COMMA_DECIMAL_RE.fullmatch(raw)
    if decimal is not None:
        whole, fraction = decimal.groups()
        if whole == "0" or (len(whole) <= 3 and len(fraction) != 3):
            return [(f"{whole}.{fraction}", token.start, token.end)]
    parts: list[tuple[str, int, int]] = []
    offset = token.start
    for piece in raw.split(","):
        if _PLAIN_RE.fullmatch(piece):
            parts.append((piece, offset, offset + len(piece)))
        offset += len(piece) + 1
    if parts and token.suffix:  # the suffix belongs to the last piece's fragment
        text, start, _ = parts[-1]
        parts[-1] = (text, start, token.end)
    return parts


def _space_groups(tokens: list[_Token], folded: str) -> list[tuple[int, ...]]:
    """Runs of number tokens that may be one number written with space separators (``1 200 000``)."""
    groups: list[tuple[int, ...]] = []
    for match in _SPACE_GROUP_RE.finditer(folded):
        first = bisect.bisect_left(tokens, match.start(), key=_token_start)
        groups.append(tuple(range(first, first + match.group().count(" ") + 1)))
    return groups


def _merge_groups(tokens: list[_Token], groups: list[tuple[int, ...]]) -> list[_Token]:
    """Replace each group by one number token spanning it."""
    first_of = {group[0]: group for group in groups}
    merged: list[_Token] = []
    i = 0
    while i < len(tokens):
        group = first_of.get(i)
        if group is None:
            merged.append(tokens[i])
            i += 1
            continue
        text = "".join(tokens[k].text for k in group)
        merged.append(_Token(_NUM, text, tokens[group[0]].start, tokens[group[-1]].end))
        i = group[-1] + 1
    return merged


# --------------------------------------------------------------------------------------------------
# Reading

# What the next number means (plain strings, compared once per token).
_C_NONE = "none"
_C_ENTRY = "entry"
_C_STOP = "stop"
_C_TP = "tp"
_C_LEVERAGE = "leverage"


_VALUE_NAMES = {
    _C_ENTRY: ("entry prices", "entry_low"),
    _C_STOP: ("stop prices", "stop_price"),
    _C_TP: ("take-profit prices", "take_profit_prices"),
    _C_LEVERAGE: ("leverage values", "leverage"),
}


@dataclass(slots=True)
class _Reading:
    """What the walk over the tokens found; spans point into the message."""

    side: Side | None = None
    side_span: tuple[int, int] = (0, 0)
    conflict: bool = False
    margin: MarginMode | None = None
    margin_span: tuple[int, int] = (0, 0)
    entries: list[tuple[float, int, int]] = field(default_factory=list)
    stops: list[tuple[float, int, int]] = field(default_factory=list)
    take_profits: list[tuple[float, int, int]] = field(default_factory=list)
    leverages: list[tuple[float, int, int]] = field(default_factory=list)

    def values_for(self, ctx: str) -> list[tuple[float, int, int]] | None:
        """The list a number read under ``ctx`` goes to, or ``None`` (ignored)."""
        if ctx == _C_ENTRY:
            return self.entries
        if ctx == _C_STOP:
            return self.stops
        if ctx == _C_TP:
            return self.take_profits
        if ctx == _C_LEVERAGE:
            return self.leverages
        return None


def _read(tokens: list[_Token], folded: str, source: str, symbol: _Symbol) -> TradeCall:
    """Walk the tokens line by line, then build and check the call.

    A line that read nothing (no label, no number used) leaves the carried meaning as it was, so
    chatter between a label line and its values changes nothing.
    """
    reading = _Reading()
    carried = _C_NONE
    start = 0
    for i, token in enumerate(tokens):
        if token.kind == _NEWLINE:
            if i > start:
                ctx, used = _read_line(tokens[start:i], folded, symbol, reading, carried)
                if used:
                    carried = ctx
            start = i + 1
    if start < len(tokens):
        _read_line(tokens[start:], folded, symbol, reading, carried)
    return _build(reading, source, symbol)


def _read_line(line: list[_Token], folded: str, symbol: _Symbol, reading: _Reading, ctx: str) -> tuple[str, bool]:
    """Read one line; return the meaning carried to the next line and whether the line said anything."""
    used = False
    prev_word: _Token | None = None
    seen_content = False
    for i, token in enumerate(line):
        kind = token.kind
        if kind == _WORD:
            ctx, said = _read_word(line, i, prev_word, folded, symbol, reading, ctx)
            used = used or said
            prev_word = token
            seen_content = True
        elif kind == _NUM:
            first = not seen_content
            seen_content = True
            if ctx == _C_NONE and token.suffix != "x":
                continue
            nxt = line[i + 1] if i + 1 < len(line) else None
            if nxt is not None and nxt.text == "%" and nxt.kind == _PUNCT and _spaced(folded, token, nxt):
                continue
            if len(token.text) <= 2 and _is_list_marker(
                line, i, prev_word, folded, first, len(reading.take_profits), ctx
            ):
                continue
            used = _read_number(token, ctx, reading) or used
        elif kind == _EMOJI:
            ctx = _C_TP if token.text == _TARGET_EMOJI else _C_STOP
            used = True
    return ctx, used


def _read_word(
    line: list[_Token],
    i: int,
    prev_word: _Token | None,
    folded: str,
    symbol: _Symbol,
    reading: _Reading,
    ctx: str,
) -> tuple[str, bool]:
    """Apply one word: set the meaning of the next numbers, record side, margin mode or leverage."""
    token = line[i]
    if token.start in symbol.word_starts:
        return ctx, False
    word = token.text.lower()
    kind = _classify(word)
    if kind == _W_FILLER:
        return ctx, False
    if kind == _W_UNKNOWN:
        return _C_NONE, False
    if kind == _W_SIDE:
        nxt = line[i + 1] if i + 1 < len(line) else None
        if (
            nxt is not None
            and nxt.kind == _WORD
            and nxt.text.lower() in _NOT_SIDE_BEFORE
            and _spaced(folded, token, nxt, " -")
        ):
            return _C_NONE, False
        return _read_side(token, reading), True
    adjacent_prev = prev_word is not None and _spaced(folded, prev_word, token, " -")
    if kind == _W_PROFIT:
        if adjacent_prev and prev_word is not None and prev_word.text.lower() == "take":
            return _C_TP, True
        return _C_NONE, False
    if kind == _W_TP:
        # "Entry Targets:" and "Stop Targets:" keep their meaning; a bare "Targets:" starts take-profits.
        label_before = prev_word is not None and adjacent_prev and _classify(prev_word.text.lower()) in _LABEL_WORDS
        if ctx in (_C_ENTRY, _C_STOP) and word in _TP_CONTINUATION and label_before:
            return ctx, True
        return _C_TP, True
    if kind == _W_ENTRY:
        return _C_ENTRY, True
    if kind == _W_STOP:
        return _C_STOP, True
    if kind == _W_LEVERAGE:
        return _C_LEVERAGE, True
    if kind == _W_LEVERAGE_VALUE:
        if len(reading.leverages) >= _MAX_VALUES_PER_FIELD:
            raise _too_many(_C_LEVERAGE)
        reading.leverages.append((float(word[1:]), token.start, token.end))
        return ctx, True
    # _W_MARGIN
    if reading.margin is None:
        reading.margin = _MARGIN_WORDS[word]
        reading.margin_span = (token.start, token.end)
    return ctx, True


def _read_side(token: _Token, reading: _Reading) -> str:
    """Record the side; ``sell`` after a long's entry (or ``buy`` after a short's) starts take-profits."""
    word = token.text.lower()
    side = _SIDE_WORDS[word]
    if reading.side is None:
        reading.side = side
        reading.side_span = (token.start, token.end)
        return _C_ENTRY
    if side is reading.side:
        return _C_ENTRY
    if word in ("buy", "sell") and reading.entries:
        return _C_TP
    reading.conflict = True
    return _C_NONE


def _is_list_marker(
    line: list[_Token],
    i: int,
    prev_word: _Token | None,
    folded: str,
    first_on_line: bool,
    take_profits_read: int,
    ctx: str,
) -> bool:
    """True for ``1)``, ``#1``, ``1:``, ``1.`` at a line start, and ``Target 1 - 52000``."""
    token = line[i]
    raw = token.text
    if token.suffix or len(raw) > 2 or not raw.isdigit():
        return False
    before = folded[token.start - 1] if token.start > 0 else ""
    after = folded[token.end] if token.end < len(folded) else ""
    if before == "#" or after == ":":
        return True
    if after == ")":
        return before != "("
    if after == "." and first_on_line:
        return folded[token.end + 1 : token.end + 2] in ("", " ", "\n")
    prev = line[i - 1] if i > 0 else None
    nxt = line[i + 1] if i + 1 < len(line) else None
    if (
        ctx == _C_TP
        and prev is not None
        and prev is prev_word
        and nxt is not None
        and nxt.kind == _PUNCT
        and nxt.text == "-"
        and _classify(prev.text.lower()) == _W_TP
        and _spaced(folded, prev, token)
    ):
        return int(raw) == take_profits_read + 1
    return False


def _read_number(token: _Token, ctx: str, reading: _Reading) -> bool:
    """Record a number under the current meaning; return whether it was used.

    Raises:
        TradeCallError: more than 25 values under one label (a list of numbers, not a call). Stopping
            there also bounds the time spent on such input.
    """
    suffix = token.suffix
    if suffix == "x":
        ctx = _C_LEVERAGE
    elif suffix == "m" and token.text in _TIMEFRAMES:
        return False
    target = reading.values_for(ctx)
    if target is None:
        return False
    parts = _number_parts(token)
    if suffix in _MULTIPLIERS:
        multiplier = _MULTIPLIERS[suffix]
        target.extend((float(Decimal(text) * multiplier), start, end) for text, start, end in parts)
    else:
        target.extend((float(text), start, end) for text, start, end in parts)
    if len(target) > _MAX_VALUES_PER_FIELD:
        raise _too_many(ctx)
    return bool(parts)


def _too_many(ctx: str) -> TradeCallError:
    """The error for more than 25 values under one label."""
    what, field_name = _VALUE_NAMES[ctx]
    return TradeCallError(
        f"I read more than {_MAX_VALUES_PER_FIELD} {what} in that message, which is not one call; "
        f"post a single call, like: {_EXAMPLE}",
        field=field_name,
    )


def _build(reading: _Reading, source: str, symbol: _Symbol) -> TradeCall:
    """Turn a reading into a checked :class:`TradeCall`, or say what is missing."""
    priced = reading.entries or reading.stops or reading.take_profits
    if reading.side is None and not priced:
        raise TradeCallError(_NOT_A_CALL)
    if reading.conflict:
        raise TradeCallError(f"that message reads as both long and short; post one side, e.g. {_EXAMPLE}", field="side")
    if reading.side is None and not reading.entries:
        raise TradeCallError(
            "I couldn't find the side (long or short) or the entry price in that message; "
            f"a call looks like: {_EXAMPLE}"
        )
    if reading.side is None:
        raise TradeCallError(
            f"I couldn't find the side (long or short) in that message; a call looks like: {_EXAMPLE}",
            field="side",
        )
    if not reading.entries:
        raise TradeCallError(
            f"I couldn't find the entry price in that message; a call looks like: {_EXAMPLE}",
            field="entry_low",
        )

    def fragment(start: int, end: int) -> str:
        if start > 0 and source[start - 1] == "$":
            start -= 1
        return source[start:end]

    read: list[tuple[int, str, str]] = []
    if symbol.base is not None:
        read.append((symbol.start, "symbol", source[symbol.start : symbol.end]))
    read.append((reading.side_span[0], "side", source[slice(*reading.side_span)]))
    read.extend((start, "entry", fragment(start, end)) for _, start, end in reading.entries)
    stop = reading.stops[0] if reading.stops else None
    if stop is not None:
        read.append((stop[1], "stop", fragment(stop[1], stop[2])))
    read.extend((start, "take-profit", fragment(start, end)) for _, start, end in reading.take_profits)
    leverage = max(reading.leverages, key=lambda item: item[0]) if reading.leverages else None
    if leverage is not None:
        read.append((leverage[1], "leverage", source[leverage[1] : leverage[2]]))
    if reading.margin is not None:
        read.append((reading.margin_span[0], "margin", source[slice(*reading.margin_span)]))
    read.sort(key=lambda item: item[0])

    entry_prices = [value for value, _, _ in reading.entries]
    return TradeCall(
        symbol=symbol.base,
        side=reading.side,
        entry_low=min(entry_prices),
        entry_high=max(entry_prices),
        entry_prices=tuple(entry_prices),
        stop_price=stop[0] if stop is not None else None,
        take_profit_prices=tuple(value for value, _, _ in reading.take_profits),
        leverage=leverage[0] if leverage is not None else None,
        margin_mode=reading.margin,
        read_back=tuple((label, text) for _, label, text in read),
    )
