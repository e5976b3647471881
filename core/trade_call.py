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

Example:
    >>> call = parse_trade_call("BTC long 49.5k-50.5k 10x cross SL 48000 TP 52000 / 54000")
    >>> call.summary()
    'BTC long · entry 49,500–50,500 · stop 48,000 · TP 52,000 / 54,000 · 10x cross'
    >>> call.entry_price
    50000.0
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Self

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
    stop_price: float | None = None
    take_profit_prices: tuple[float, ...] = ()
    leverage: float | None = None
    margin_mode: MarginMode | None = None
    read_back: tuple[tuple[str, str], ...] = ()

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
    bounds the time taken (well under a millisecond for a 1,000-character message).

    Args:
        text: the message as posted, any unicode, any length.

    Returns:
        The call, with ``read_back`` listing the fragments that were read.

    Raises:
        TradeCallError: no trade in the message; the side or the entry is missing; the message reads as
            both long and short; or the call is absurd or contradicts itself (see :class:`TradeCall`).
            No other exception is raised for any string.

    Example:
        >>> parse_trade_call("ETH short 3,200 SL 3,350 TP 3,000").stop_price
        3350.0
    """
    source = text[:_MAX_INPUT_CHARS]
    folded = _fold(source)
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
            f"stop {_fmt(call.stop_price)} is {_fmt(round(distance * 100, 1))}% {direction} entry "
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
_SPECIAL_FOLD = {
    "\u2028": "\n",
    "\u2029": "\n",
    "\x85": "\n",
    "\u00d7": "x",  # multiplication sign: 10× leverage
    "\u2212": "-",  # minus sign
    "\ufe63": "-",
    "\uff0d": "-",
    "\u00ad": " ",  # soft hyphen
    "\u200b": " ",
    "\u200c": " ",
    "\u200d": " ",
    "\u2060": " ",
    "\ufeff": " ",
    "\ufe0f": " ",
}


def _fold_char(char: str) -> str:
    """Fold one non-ASCII character to exactly one character (often ASCII)."""
    special = _SPECIAL_FOLD.get(char)
    if special is not None:
        return special
    if char.isspace():
        return " "
    if unicodedata.category(char) == "Pd":  # hyphens, en and em dashes
        return "-"
    compat = unicodedata.normalize("NFKC", char)
    if len(compat) == 1 and compat.isascii():
        return compat
    return char


def _fold(text: str) -> str:
    """Fold the message one character for one, so offsets still point into the original text."""
    if "\u20e3" in text:
        text = _KEYCAP_RE.sub(lambda match: " " * len(match.group()), text)
    table: dict[int, str] = dict(_ASCII_FOLD)
    if not text.isascii():
        table.update({ord(char): _fold_char(char) for char in set(text) if not char.isascii()})
    folded = text.translate(table)
    folded = _LINK_RE.sub(lambda match: " " * len(match.group()), folded)
    return _SLASH_LABEL_RE.sub(r"\1\2 ", folded)


class _Kind(Enum):
    """Token kinds."""

    NUM = "num"
    WORD = "word"
    PUNCT = "punct"
    NEWLINE = "newline"
    EMOJI = "emoji"


# Every alternative consumes a maximal run, and the quantifiers are possessive, so matching is linear.
_TOKEN_RE = re.compile(
    r"""
    (?P<num>[0-9]++(?:[.,][0-9]++)*+)(?P<suffix>[kKmMxX])?+(?![^\W_])
    | (?P<word>[^\W_]++)
    | (?P<punct>[-/:@\#$%()~+=|_])
    | (?P<newline>\n)
    | (?P<emoji>[\U0001F3AF\U0001F6D1\u26D4])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Token:
    """One token: ``text`` is the folded text (a number's digits without its suffix)."""

    kind: _Kind
    text: str
    start: int
    end: int
    suffix: str = ""


def _tokenize(folded: str) -> list[_Token]:
    """Split folded text into numbers, words, punctuation, newlines and label emoji."""
    tokens: list[_Token] = []
    for match in _TOKEN_RE.finditer(folded):
        group = match.lastgroup
        if group == "suffix" or group == "num":
            tokens.append(
                _Token(_Kind.NUM, match.group("num"), match.start(), match.end(), match.group("suffix") or "")
            )
        elif group is not None:
            tokens.append(_Token(_Kind(group), match.group(), match.start(), match.end()))
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
_ADJACENT_STOPWORDS = frozenset(
    {
        "I", "IM", "WE", "GO", "GOING", "NOW", "HERE", "NEW", "THE", "A", "AN", "THIS", "THAT", "FULL",
        "STRONG", "BIG", "HUGE", "QUICK", "OPEN", "OPENING", "ENTER", "AND", "OR", "IS", "ARE", "BE",
        "TO", "IN", "ON", "AT", "FOR", "OF", "MY", "OUR", "NOT", "DONT", "JUST", "ALL", "MORE", "LESS",
        "HIGH", "LOW", "TYPE", "REGULAR", "MARKET", "LIMIT", "CMP", "X", "OK", "YES", "NO", "GM",
        "SIGNAL", "TRADE", "CALL", "SETUP", "ALERT", "SPOT", "SCALP", "SWING", "FUTURES", "VIP",
    }
)  # fmt: skip
_TIMEFRAMES = frozenset({"1", "3", "5", "15", "30", "45"})

_ENTRY_RE = re.compile(r"entry[0-9]{0,2}|entries|enter|entering")
_STOP_RE = re.compile(r"sl[0-9]?|stop|stops|stoploss(?:es)?")
_TP_RE = re.compile(r"tp[0-9]{0,2}|tps|t[0-9]{1,2}|targets?[0-9]{0,2}|tgts?[0-9]{0,2}|takeprofits?")
_TP_CONTINUATION = frozenset({"target", "targets", "tgt", "tgts"})
_LEVERAGE_X_RE = re.compile(r"x([0-9]{1,3})")
_TAG_RE = re.compile(r"[0-9]*[A-Z][A-Z0-9]*")


class _Word(Enum):
    """What a word means to the reader."""

    SIDE = "side"
    ENTRY = "entry"
    STOP = "stop"
    TP = "tp"
    PROFIT = "profit"  # a take-profit label only after "take"
    LEVERAGE = "leverage"
    LEVERAGE_VALUE = "leverage_value"  # x10
    MARGIN = "margin"
    FILLER = "filler"
    UNKNOWN = "unknown"


def _classify(word: str) -> _Word:
    """Classify a lower-case word without looking at its neighbours."""
    if word in _SIDE_WORDS:
        return _Word.SIDE
    if word in _MARGIN_WORDS:
        return _Word.MARGIN
    if word in _LEVERAGE_WORDS:
        return _Word.LEVERAGE
    if word in _FILLERS:
        return _Word.FILLER
    if word in ("profit", "profits"):
        return _Word.PROFIT
    if _ENTRY_RE.fullmatch(word):
        return _Word.ENTRY
    if _STOP_RE.fullmatch(word):
        return _Word.STOP
    if _TP_RE.fullmatch(word):
        return _Word.TP
    if _LEVERAGE_X_RE.fullmatch(word):
        return _Word.LEVERAGE_VALUE
    return _Word.UNKNOWN


def _gap(folded: str, left: _Token, right: _Token) -> str:
    """The text between two tokens."""
    return folded[left.end : right.start]


def _spaced(folded: str, left: _Token, right: _Token, allowed: str = " ") -> bool:
    """True if only characters from ``allowed`` (at least none) separate the two tokens."""
    return all(char in allowed for char in _gap(folded, left, right))


# --------------------------------------------------------------------------------------------------
# Symbol


@dataclass(frozen=True, slots=True)
class _Symbol:
    """The chosen symbol and the starts of every symbol-like word (read past, never a reset)."""

    base: str | None
    start: int
    end: int
    word_starts: frozenset[int]


def _find_symbol(tokens: list[_Token], folded: str) -> _Symbol:
    """Find the base asset; lower priority numbers win, then the earlier position."""
    best: tuple[int, int, str, int, int] | None = None
    word_starts: set[int] = set()
    count = len(tokens)
    for i, token in enumerate(tokens):
        if (
            token.kind is not _Kind.WORD
            or not token.text.isascii()
            or _classify(token.text.lower())
            not in (
                _Word.UNKNOWN,
                _Word.FILLER,
            )
        ):
            continue
        upper = token.text.upper()
        if not _TAG_RE.fullmatch(upper):
            continue
        prev = tokens[i - 1] if i > 0 else None
        glued_prefix = prev is not None and prev.kind is _Kind.PUNCT and prev.end == token.start
        start = prev.start if glued_prefix and prev is not None and prev.text in "#$" else token.start
        end = token.end
        found: tuple[int, str] | None = None
        if i + 2 < count and tokens[i + 1].text in "/-_" and tokens[i + 1].kind is _Kind.PUNCT:
            quote = tokens[i + 2]
            glued = token.end == tokens[i + 1].start and tokens[i + 1].end == quote.start
            quotes = _SLASH_QUOTES if tokens[i + 1].text == "/" else _QUOTES
            if glued and quote.kind is _Kind.WORD and quote.text.upper() in quotes:
                found = (0, upper)
                end = quote.end
                word_starts.add(quote.start)
        if found is None:
            base = _strip_quote(upper)
            if base is not None:
                found = (0, base)
            elif upper in _QUOTES or token.text.lower() in _FILLERS:
                continue
            elif glued_prefix and prev is not None and prev.text == "$":
                found = (1, upper)
            elif glued_prefix and prev is not None and prev.text == "#" and upper not in _HASHTAG_STOPWORDS:
                found = (2, upper)
            elif _after_symbol_label(tokens, i, folded):
                found = (1, upper)
            elif _next_to_side(tokens, i, folded) and _plausible_bare_ticker(token.text):
                found = (3, upper)
            elif upper in _KNOWN_TICKERS:
                found = (4, upper)
        if found is None:
            continue
        word_starts.add(token.start)
        candidate = (found[0], token.start, found[1], start, end)
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    if best is None:
        return _Symbol(None, 0, 0, frozenset(word_starts))
    return _Symbol(best[2], best[3], best[4], frozenset(word_starts))


def _strip_quote(upper: str) -> str | None:
    """``BTCUSDT`` → ``BTC``, ``ETHUSDTPERP`` → ``ETH``; ``None`` if no quote is glued on."""
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
    if upper in _ADJACENT_STOPWORDS or upper in _HASHTAG_STOPWORDS or not 2 <= len(word) <= 12:
        return False
    has_digit = any(char.isdigit() for char in word)
    return word.isupper() or upper in _KNOWN_TICKERS or (has_digit and word[0].isdigit())


def _after_symbol_label(tokens: list[_Token], i: int, folded: str) -> bool:
    """True for ``Coin: SOL``, ``Pair: ETH``."""
    for j in range(i - 1, -1, -1):
        token = tokens[j]
        if token.kind is _Kind.PUNCT and token.text in ":-=":
            continue
        return (
            token.kind is _Kind.WORD
            and token.text.lower() in _SYMBOL_LABELS
            and "\n" not in folded[token.end : tokens[i].start]
        )
    return False


def _next_to_side(tokens: list[_Token], i: int, folded: str) -> bool:
    """True if a side word sits right before or after token ``i``, separated by spaces only."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(tokens):
            other = tokens[j]
            left, right = (other, tokens[i]) if j < i else (tokens[i], other)
            if other.kind is _Kind.WORD and other.text.lower() in _SIDE_WORDS and _spaced(folded, left, right):
                return True
    return False


# --------------------------------------------------------------------------------------------------
# Numbers

_THOUSANDS_RE = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_COMMA_DECIMAL_RE = re.compile(r"([0-9]+),([0-9]+)")
_PLAIN_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_GROUP_HEAD_RE = re.compile(r"[0-9]{1,3}")
_GROUP_BODY_RE = re.compile(r"[0-9]{3}")
_GROUP_TAIL_RE = re.compile(r"[0-9]{3}(?:\.[0-9]+)?")
_MULTIPLIERS = {"": Decimal(1), "k": Decimal(1_000), "m": Decimal(1_000_000)}


def _number_parts(token: _Token) -> list[tuple[str, int, int]]:
    """Split a number token into plain decimal strings with their offsets (``52000,54000`` is two)."""
    raw = token.text
    if "," not in raw:
        return [(raw, token.start, token.end)] if _PLAIN_RE.fullmatch(raw) else []
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
    i = 0
    count = len(tokens)
    while i < count:
        head = tokens[i]
        if head.kind is not _Kind.NUM or head.suffix or not _GROUP_HEAD_RE.fullmatch(head.text):
            i += 1
            continue
        members = [i]
        j = i
        while j + 1 < count:
            nxt = tokens[j + 1]
            if nxt.kind is not _Kind.NUM or nxt.suffix or _gap(folded, tokens[j], nxt) != " ":
                break
            if _GROUP_BODY_RE.fullmatch(nxt.text):
                members.append(j + 1)
                j += 1
                continue
            if _GROUP_TAIL_RE.fullmatch(nxt.text):
                members.append(j + 1)
                j += 1
            break
        if len(members) > 1:
            groups.append(tuple(members))
        i = j + 1
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
        merged.append(_Token(_Kind.NUM, text, tokens[group[0]].start, tokens[group[-1]].end))
        i = group[-1] + 1
    return merged


# --------------------------------------------------------------------------------------------------
# Reading


class _Ctx(Enum):
    """What the next number means."""

    NONE = "none"
    ENTRY = "entry"
    STOP = "stop"
    TP = "tp"
    LEVERAGE = "leverage"


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


def _read(tokens: list[_Token], folded: str, source: str, symbol: _Symbol) -> TradeCall:
    """Walk the tokens line by line, then build and check the call."""
    reading = _Reading()
    carried = _Ctx.NONE
    line: list[_Token] = []
    for token in [*tokens, _Token(_Kind.NEWLINE, "\n", len(folded), len(folded))]:
        if token.kind is _Kind.NEWLINE:
            if line:
                ctx, used = _read_line(line, folded, symbol, reading, carried)
                if used:
                    carried = ctx
            line = []
        else:
            line.append(token)
    return _build(reading, source, symbol)


def _read_line(line: list[_Token], folded: str, symbol: _Symbol, reading: _Reading, ctx: _Ctx) -> tuple[_Ctx, bool]:
    """Read one line; return the meaning carried to the next line and whether the line said anything."""
    used = False
    prev_word: _Token | None = None
    seen_content = False
    for i, token in enumerate(line):
        if token.kind is _Kind.EMOJI:
            ctx = _Ctx.TP if token.text == "\U0001f3af" else _Ctx.STOP
            used = True
            continue
        if token.kind is _Kind.WORD:
            ctx, said = _read_word(line, i, prev_word, folded, symbol, reading, ctx)
            used = used or said
            prev_word = token
            seen_content = True
            continue
        if token.kind is not _Kind.NUM:
            continue
        prev = line[i - 1] if i > 0 else None
        nxt = line[i + 1] if i + 1 < len(line) else None
        first = not seen_content
        seen_content = True
        if nxt is not None and nxt.kind is _Kind.PUNCT and nxt.text == "%" and _spaced(folded, token, nxt):
            continue
        if _is_list_marker(token, prev, nxt, prev_word, folded, first, len(reading.take_profits), ctx):
            continue
        used = _read_number(token, ctx, reading) or used
    return ctx, used


def _read_word(
    line: list[_Token],
    i: int,
    prev_word: _Token | None,
    folded: str,
    symbol: _Symbol,
    reading: _Reading,
    ctx: _Ctx,
) -> tuple[_Ctx, bool]:
    """Apply one word: set the meaning of the next numbers, record side, margin mode or leverage."""
    token = line[i]
    if token.start in symbol.word_starts:
        return ctx, False
    word = token.text.lower()
    kind = _classify(word)
    adjacent_prev = prev_word is not None and _spaced(folded, prev_word, token, " -")
    if kind is _Word.SIDE:
        nxt = line[i + 1] if i + 1 < len(line) else None
        if (
            nxt is not None
            and nxt.kind is _Kind.WORD
            and nxt.text.lower() in _NOT_SIDE_BEFORE
            and _spaced(folded, token, nxt, " -")
        ):
            return _Ctx.NONE, False
        return _read_side(token, reading), True
    if kind is _Word.PROFIT:
        if adjacent_prev and prev_word is not None and prev_word.text.lower() == "take":
            return _Ctx.TP, True
        return _Ctx.NONE, False
    if kind is _Word.TP:
        # "Entry Targets:" and "Stop Targets:" keep their meaning; a bare "Targets:" starts take-profits.
        label_before = (
            prev_word is not None
            and adjacent_prev
            and _classify(prev_word.text.lower()) in (_Word.ENTRY, _Word.STOP, _Word.SIDE)
        )
        if ctx in (_Ctx.ENTRY, _Ctx.STOP) and word in _TP_CONTINUATION and label_before:
            return ctx, True
        return _Ctx.TP, True
    if kind is _Word.ENTRY:
        return _Ctx.ENTRY, True
    if kind is _Word.STOP:
        return _Ctx.STOP, True
    if kind is _Word.LEVERAGE:
        return _Ctx.LEVERAGE, True
    if kind is _Word.LEVERAGE_VALUE:
        reading.leverages.append((float(word[1:]), token.start, token.end))
        return ctx, True
    if kind is _Word.MARGIN:
        if reading.margin is None:
            reading.margin = _MARGIN_WORDS[word]
            reading.margin_span = (token.start, token.end)
        return ctx, True
    if kind is _Word.FILLER:
        return ctx, False
    return _Ctx.NONE, False


def _read_side(token: _Token, reading: _Reading) -> _Ctx:
    """Record the side; ``sell`` after a long's entry (or ``buy`` after a short's) starts take-profits."""
    word = token.text.lower()
    side = _SIDE_WORDS[word]
    if reading.side is None:
        reading.side = side
        reading.side_span = (token.start, token.end)
        return _Ctx.ENTRY
    if side is reading.side:
        return _Ctx.ENTRY
    if word in ("buy", "sell") and reading.entries:
        return _Ctx.TP
    reading.conflict = True
    return _Ctx.NONE


def _is_list_marker(
    token: _Token,
    prev: _Token | None,
    nxt: _Token | None,
    prev_word: _Token | None,
    folded: str,
    first_on_line: bool,
    take_profits_read: int,
    ctx: _Ctx,
) -> bool:
    """True for ``1)``, ``#1``, ``1:``, ``1.`` at a line start, and ``Target 1 - 52000``."""
    raw = token.text
    if token.suffix or not raw.isdigit() or len(raw) > 2:
        return False
    before = folded[token.start - 1] if token.start > 0 else ""
    after = folded[token.end] if token.end < len(folded) else ""
    if before == "#" or after == ":":
        return True
    if after == ")":
        return before != "("
    if after == "." and first_on_line:
        return folded[token.end + 1 : token.end + 2] in ("", " ", "\n")
    if (
        ctx is _Ctx.TP
        and prev is not None
        and prev is prev_word
        and _classify(prev.text.lower()) is _Word.TP
        and _spaced(folded, prev, token)
        and nxt is not None
        and nxt.kind is _Kind.PUNCT
        and nxt.text == "-"
    ):
        return int(raw) == take_profits_read + 1
    return False


def _read_number(token: _Token, ctx: _Ctx, reading: _Reading) -> bool:
    """Record a number under the current meaning; return whether it was used."""
    suffix = token.suffix.lower()
    used = False
    for text, start, end in _number_parts(token):
        if suffix == "x":
            reading.leverages.append((float(Decimal(text)), start, end))
            used = True
            continue
        if suffix == "m" and text in _TIMEFRAMES:
            continue
        value = float(Decimal(text) * _MULTIPLIERS[suffix])
        target = {
            _Ctx.ENTRY: reading.entries,
            _Ctx.STOP: reading.stops,
            _Ctx.TP: reading.take_profits,
            _Ctx.LEVERAGE: reading.leverages,
        }.get(ctx)
        if target is not None:
            target.append((value, start, end))
            used = True
    return used


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
        stop_price=stop[0] if stop is not None else None,
        take_profit_prices=tuple(value for value, _, _ in reading.take_profits),
        leverage=leverage[0] if leverage is not None else None,
        margin_mode=reading.margin,
        read_back=tuple((label, text) for _, label, text in read),
    )
