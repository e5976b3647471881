"""The trade one-liner: the text traders type, read into a validated request.

One grammar for the bot, the terminal and Excel::

    50000 10x 1000 isolated
    50k x10 1k iso short
    $50,000 10x margin 1000 cross bal 10000 ex binance sym ETH
    3000 20x qty 2 short okx eth mmr 0.4% fee 0.05%

Words, in any order: a first bare number is the entry, a second the margin; ``10x`` / ``x10`` the
leverage; ``long/short/buy/sell/L/S``; ``iso/isolated/cross``; a venue name (``binance``, ``@bybit``,
``ex okx``); a symbol (``BTC``, ``ETHUSDT``, ``#SOL``, ``sym ETH``); labelled values ``margin``,
``qty``, ``notional``, ``bal``, ``add``, ``mark``, ``entry``, ``mmr``, ``cum``, ``fee``, ``cs``;
``inverse`` for coin-margined contracts. Numbers take ``k``/``m`` suffixes, ``$`` and thousands
commas; ``mmr`` and ``fee`` are percentages (``mmr 0.5`` = ``mmr 0.5%``).

A cross account for ``/cross``: ``bal 20000; BTC long 0.5 @ 60000; ETH short 10 @ 3000 mark 2900``.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from core.enums import ContractType, MarginMode, Side
from core.errors import ParseError, TierNotFoundError
from core.models import (
    MAX_DCA_FILLS,
    CrossAccountRequest,
    CrossPositionInput,
    DcaPlan,
    TradeRequest,
    validation_message,
)
from core.numbers import fmt_num
from core.price_bands import plausible, price_band
from core.tier_data import TierBook, book_or_bundled
from core.venues import VENUES, get_venue
from core.vocabulary import (
    CONTRACT_WORDS,
    MODE_WORDS,
    NOT_YET_VENUES,
    SIDE_WORDS,
    fold_phrases,
    strip_invisible,
    suggest,
)

__all__ = [
    "CROSS_EXAMPLE",
    "DCA_EXAMPLE",
    "EXAMPLE",
    "parse_cross_account",
    "parse_dca",
    "parse_number",
    "parse_percent",
    "parse_trade",
    "parse_trade_fields",
    "trade_from_fields",
    "venue_has_table",
    "wants_live_price",
]

EXAMPLE = "50000 10x 1000 isolated"
MAX_INPUT_CHARS = 500

_NUMBER = re.compile(
    r"^[$€]?(?P<num>[+-]?(?:\d[\d,_]*(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)(?P<suf>[kKmMbB])?(?:usdt|usdc|usd|\$|€)?$",
    re.IGNORECASE,
)
_LEVERAGE = re.compile(r"^(?:x(?P<a>[+-]?[\d.,]+)|(?P<b>[+-]?[\d.,]+)x)$", re.IGNORECASE)
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}
_SYMBOL = re.compile(
    r"^[#$]?(?P<base>(?:1000|1M|\d)?[A-Za-z][A-Za-z0-9]{0,11}?)(?:[/_-]?(?:USDT|USDC|USD|PERP|SWAP))*$", re.IGNORECASE
)
_MARKET_WORDS = frozenset({"market", "now", "mkt", "current"})  # "@ market": the entry is the live mark
KNOWN_SYMBOLS = frozenset(
    {
        "BTC",
        "ETH",
        "SOL",
        "XRP",
        "BNB",
        "DOGE",
        "ADA",
        "AVAX",
        "LINK",
        "DOT",
        "TON",
        "LTC",
        "SUI",
        "PEPE",
        "ARB",
        "OP",
        "APT",
        "NEAR",
        "TRX",
        "WIF",
        "HYPE",
        "XBT",
    }
)

_LABELS = {
    "margin": "margin",
    "m": "margin",
    "mgn": "margin",
    "collateral": "margin",
    "qty": "quantity",
    "q": "quantity",
    "quantity": "quantity",
    "size": "quantity",
    "contracts": "quantity",
    "notional": "notional",
    "value": "notional",
    "pos": "notional",
    "position": "notional",
    "bal": "wallet_balance",
    "balance": "wallet_balance",
    "wallet": "wallet_balance",
    "account": "wallet_balance",
    "add": "added_margin",
    "added": "added_margin",
    "extra": "added_margin",
    "mark": "mark_price",
    "entry": "entry_price",
    "ep": "entry_price",
    "at": "entry_price",
    "@": "entry_price",
    "mmr": "mmr",
    "sl": "stop_price",
    "stop": "stop_price",
    "stoploss": "stop_price",
    "cum": "maintenance_amount",
    "mmd": "maintenance_amount",
    "fee": "taker_fee_rate",
    "taker": "taker_fee_rate",
    "cs": "contract_size",
    "lev": "leverage",
    "leverage": "leverage",
    "ex": "venue",
    "exchange": "venue",
    "venue": "venue",
    "on": "venue",
    "sym": "symbol",
    "symbol": "symbol",
    "coin": "symbol",
    "pair": "symbol",
}
_PERCENT_FIELDS = {"mmr", "taker_fee_rate"}
_TEXT_FIELDS = {"venue", "symbol"}
_SIDES = SIDE_WORDS
_MODES = MODE_WORDS
_CONTRACTS = CONTRACT_WORDS
_POSITIONAL = ("entry_price", "margin")
_FIELD_WORD = {
    "entry_price": "entry",
    "margin": "margin",
    "quantity": "qty",
    "notional": "notional",
    "wallet_balance": "bal",
    "added_margin": "add",
    "mark_price": "mark",
    "mmr": "mmr",
    "maintenance_amount": "cum",
    "taker_fee_rate": "fee",
    "contract_size": "cs",
    "leverage": "leverage",
    "venue": "ex",
    "symbol": "sym",
    "stop_price": "sl",
}


def parse_number(text: str, *, field: str = "number") -> float:
    """Read a number as traders type it: ``50000``, ``50k``, ``$50,000``, ``1.5m``, ``0,5``.

    Raises:
        ParseError: not a number, or not finite (``1e309``, ``NaN``).

    >>> parse_number("$50,000")
    50000.0
    >>> parse_number("1.5k")
    1500.0
    """
    raw = text.strip()
    if re.fullmatch(r"\d+,\d{1,2}", raw):  # a decimal comma: 0,5 (thousands take groups of three)
        raw = raw.replace(",", ".")
    match = _NUMBER.match(raw)
    if match is None:
        raise ParseError(f"{_word(field)} {raw!r} is not a number; type it like 50000, 50k or 0.5", field=field)
    digits = match.group("num")
    if "," in digits and not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", digits):
        raise ParseError(f"{_word(field)} {raw!r} has misplaced commas; type it like 50,000 or 50000", field=field)
    value = float(digits.replace(",", "").replace("_", ""))
    suffix = match.group("suf")
    if suffix:
        value *= _SUFFIX[suffix.lower()]
    if not math.isfinite(value):
        raise ParseError(
            f"{_word(field)} {raw!r} is too large to be a price or amount; type a normal number", field=field
        )
    return value


def parse_percent(text: str, *, field: str) -> float:
    """Read a rate typed in percent (``0.5%`` or ``0.5``) as a fraction (0.005).

    >>> parse_percent("0.4%", field="mmr")
    0.004
    """
    raw = text.strip()
    number = parse_number(raw.removesuffix("%"), field=field)
    return number / 100.0


def parse_trade_fields(text: str, *, known_symbols: Collection[str] = (), allow_market: bool = False) -> dict[str, Any]:
    """Read the one-liner into request fields, without defaults or validation of the whole.

    ``known_symbols``: base assets a market-data book lists, read as symbols when typed bare (``wld``);
    ``@ market`` or ``now`` sets ``at_market`` (the entry is the live mark, any number the margin) where
    ``allow_market`` (``/liq`` and ``/compare``); elsewhere it is refused with what to type.

    Raises:
        ParseError: a word or number that is not understood, with what to type instead.
    """
    if len(text) > MAX_INPUT_CHARS:
        raise ParseError(f"that is {len(text):,} characters; a trade is one short line, like {EXAMPLE}", field="text")
    tokens = _tokens(text)
    if not tokens:
        raise ParseError(f"no trade given; type it like {EXAMPLE}", field="text")
    fields: dict[str, Any] = {}
    dotted: list[tuple[str, str]] = []  # numbers like 97.000: 97 or 97,000?
    positional = iter(_POSITIONAL)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        word = token.lower()
        i += 1
        if word.lstrip("@") in _MARKET_WORDS or (
            word in ("@", "at") and tokens[i : i + 1] and tokens[i].lower() in _MARKET_WORDS
        ):
            if not allow_market:
                raise ParseError(
                    f"{token!r}: the current price works in /liq and /compare; here type the entry price, like {EXAMPLE}",
                    field="entry_price",
                )
            fields["at_market"] = True
            i += 0 if word.lstrip("@") in _MARKET_WORDS else 1
        elif word in _LABELS:
            field = _LABELS[word]
            if i >= len(tokens):
                raise ParseError(f"{token!r} needs a value after it, like {_example(field)}", field=field)
            if field == "venue" and tokens[i].lower() in NOT_YET_VENUES:
                _set(fields, "unsupported_venue", NOT_YET_VENUES[tokens[i].lower()], token)
                _set(fields, field, "textbook", token)
            else:
                _set(fields, field, _value(field, tokens[i]), token)
            if field not in _NOT_AMOUNTS and _THOUSANDS_DOT.match(tokens[i]):
                dotted.append((field, tokens[i]))
            i += 1
        elif word in _SIDES:
            _set(fields, "side", _SIDES[word], token)
        elif word in _MODES:
            _set(fields, "margin_mode", _MODES[word], token)
        elif word in _CONTRACTS:
            _set(fields, "contract", _CONTRACTS[word], token)
        elif _is_venue(word):
            _set(fields, "venue", get_venue(word).key, token)
        elif _LEVERAGE.match(token) and not _NUMBER.match(token):
            _set(fields, "leverage", _leverage(token), token)
        elif _NUMBER.match(token) or re.fullmatch(r"\d+,\d{1,2}", token):
            at_follows = (
                i < len(tokens)
                and tokens[i] == "@"
                and tokens[i + 1 : i + 2] != []
                and (tokens[i + 1].lower() not in _MARKET_WORDS)
            )  # "1000 @ market": the margin at the mark, not 1,000 coins
            # 0.5 @ 60000 is a quantity; $30000 @ 60000 is its value in quote currency
            sized = "notional" if token[0] in "$€" else "quantity"
            slot = sized if at_follows else next(positional, None)
            if slot is None:
                raise ParseError(
                    f"the number {token!r} is not clear here; label it, like bal {token} or mark {token}",
                    field="text",
                )
            _set(fields, slot, parse_number(token, field=slot), token)
            if slot != "quantity" and _THOUSANDS_DOT.match(token):
                dotted.append((slot, token))
        elif (symbol := _symbol(token, known=known_symbols)) is not None:
            _set(fields, "symbol", symbol, token)
        elif word in {"nan", "inf", "infinity", "-inf", "+inf"}:
            raise ParseError(f"{token!r} is not a number; type it like 50000 or 50k", field="text")
        elif token.endswith("%"):
            raise ParseError(f"{token!r} needs a label; type mmr {token} or fee {token}", field="text")
        elif re.match(r"^[+-]?\d", token):
            raise ParseError(_number_hint(token), field="text")
        elif word.lstrip("@") in NOT_YET_VENUES:
            _set(fields, "venue", "textbook", token)
            _set(fields, "unsupported_venue", NOT_YET_VENUES[word.lstrip("@")], token)
        else:
            raise ParseError(_unknown_word(token, known_symbols), field="text")
    for field, token in dotted:
        _check_thousands_dot(field, token, fields.get("symbol"))
    return fields


_THOUSANDS_DOT = re.compile(r"^[$€]?[1-9]\d{0,2}\.\d{3}$")
_PRICE_FIELDS = frozenset({"entry_price", "mark_price", "stop_price"})
_NOT_AMOUNTS = frozenset({"mmr", "taker_fee_rate", "quantity", "leverage", "contract_size"})


def _check_thousands_dot(field: str, token: str, symbol: str | None) -> None:
    """``97.000`` may be 97 or a European 97,000: ask, unless the symbol's price range settles it."""
    value = parse_number(token, field=field)
    thousands = value * 1000
    in_band = field in _PRICE_FIELDS and price_band(symbol) is not None
    if in_band and plausible(symbol, value) and not plausible(symbol, thousands):
        return
    raise ParseError(
        f"{_word(field)} {token!r}: did you mean {thousands:,.0f}? type {thousands:.0f} for {thousands:,.0f}, "
        f"or {fmt_num(value)} for {fmt_num(value)}",
        field=field,
    )


def _vocabulary() -> list[str]:
    words = set(_LABELS) | set(_SIDES) | set(_MODES) | set(_CONTRACTS) | set(VENUES) | set(NOT_YET_VENUES)
    return sorted(w for w in words if len(w) >= 3 and w.isalpha())


def _unknown_word(token: str, known_symbols: Collection[str] = ()) -> str:
    shown = token if len(token) <= 24 else token[:24] + "…"
    word = token.lstrip("@#$")
    guess = suggest(word, _vocabulary()) if word.isalpha() else None
    if guess is not None:
        return f"{shown!r} is not understood: did you mean {guess}? a trade looks like {EXAMPLE}"
    if word.isalnum() and known_symbols:  # a symbol the venues do not list: the closest ones they do
        close = difflib.get_close_matches(word.upper(), list(known_symbols), n=3, cutoff=0.6)
        if close:
            return f"{shown!r} is not a symbol the venues list: did you mean {', '.join(close)}? a trade looks like {EXAMPLE}"
    return f"{shown!r} is not understood; a trade looks like {EXAMPLE}"


def parse_trade(text: str, *, defaults: Mapping[str, Any] | None = None, book: TierBook | None = None) -> TradeRequest:
    """Read the one-liner into a validated :class:`TradeRequest`, filling gaps from ``defaults``.

    ``defaults`` holds per-chat settings (``venue``, ``mmr``, ``taker_fee_rate``, ``wallet_balance``,
    ``symbol``, ``margin_mode``); what the text says wins. ``book`` (a front end's market data) gives
    the venues' tables and live marks: a trade without an entry (``eth 20x 500 long bybit``, ``… @ market``)
    is priced at the mark, which the request carries as ``price_source``.

    Raises:
        ParseError: the text is not understood.
        InvalidInputError: the values are out of range or do not size a position.

    >>> parse_trade("50k x10 1k iso short").model_dump(exclude_defaults=True)
    {'entry_price': 50000.0, 'side': <Side.SHORT: 'short'>, 'leverage': 10.0, 'margin': 1000.0}
    """
    fields = parse_trade_fields(text, known_symbols=book.symbols() if book is not None else (), allow_market=True)
    return trade_from_fields(fields, defaults=defaults, book=book)


def trade_from_fields(
    fields: Mapping[str, Any], *, defaults: Mapping[str, Any] | None = None, book: TierBook | None = None
) -> TradeRequest:
    """:func:`parse_trade` after the reading: ``fields`` from ``parse_trade_fields(…, allow_market=True)``.

    For a front end that looked at the fields first (what to fetch before pricing): the text is read once.

    Raises:
        ParseError: the fields do not make a trade (no entry, a number that could be either, …).
        InvalidInputError: the values are out of range or do not size a position.
    """
    fields = dict(fields)
    at_market = bool(fields.pop("at_market", False))
    merged = {k: v for k, v in (defaults or {}).items() if v is not None}
    merged.update(fields)
    if "mmr" in merged and "mmr" not in fields and venue_has_table(merged, book):
        del merged["mmr"]  # a saved MMR is for venues without a table; the trade's own mmr always wins
    _entry_from_mark(merged, fields, at_market=at_market, book=book)
    if "entry_price" not in merged:
        raise ParseError(f"the entry price is missing; start with it, like {EXAMPLE}", field="entry_price")
    _check_sizes(merged, fields)
    stop = merged.get("stop_price")
    if "side" not in merged and isinstance(stop, float) and stop != merged["entry_price"]:
        merged["side"] = Side.LONG if stop < merged["entry_price"] else Side.SHORT  # a stop below entry: a long
    try:
        return TradeRequest(**merged)
    except ValidationError as exc:
        raise validation_message(exc) from None


_SIZES = ("margin", "quantity", "notional")


def wants_live_price(fields: Mapping[str, Any]) -> bool:
    """Whether a trade read by :func:`parse_trade_fields` is priced at the live mark (a front end fetches one first).

    >>> wants_live_price(parse_trade_fields("eth 20x 500 long")), wants_live_price(parse_trade_fields("eth 3200 20x 500"))
    (True, False)
    """
    sized = any(fields.get(k) is not None for k in _SIZES)
    lone = "entry_price" in fields and not sized and fields.get("leverage") is not None
    return bool(fields.get("at_market")) or "entry_price" not in fields or lone


def _entry_from_mark(
    merged: dict[str, Any], fields: Mapping[str, Any], *, at_market: bool, book: TierBook | None
) -> None:
    """Price a trade typed without an entry at the venue's live mark (from ``book``), or leave it.

    ``eth 20x 500``: one number and a leverage is a margin at the current price when the number is
    far from the mark; close to the mark it could be either, and the trader is asked. ``@ market``
    makes the entry the mark and the number the margin.
    """
    sized = any(merged.get(k) is not None for k in _SIZES)
    lone_number = "entry_price" in fields and not sized and merged.get("leverage") is not None
    if not (at_market or "entry_price" not in merged or lone_number):
        return
    if "entry_price" not in merged and not sized and not at_market:
        return  # nothing but words: the usual "entry price is missing"
    symbol = str(merged.get("symbol") or "BTC")
    venue = get_venue(str(merged.get("venue") or "textbook"))
    contract = ContractType(merged.get("contract", ContractType.LINEAR))
    quote = book.mark(venue.tier_venue or venue.key, symbol, contract) if book is not None else None
    if quote is None:
        if at_market or "entry_price" not in merged:
            raise ParseError(
                f"there is no live price for {symbol} on {venue.name} here; type the entry price, like "
                f"{symbol.lower()} 97000 10x 1000",
                field="entry_price",
            )
        return  # _check_sizes asks for the entry or the margin
    if at_market or lone_number:
        number = merged.pop("entry_price", None) if "entry_price" in fields else None
        if number is not None and not at_market and 0.5 <= number / quote.price <= 2:
            typed, lev = fmt_num(number).replace(",", ""), fmt_num(merged["leverage"]).replace(",", "")
            raise ParseError(
                f"is {fmt_num(number)} the entry or the margin? the {symbol} mark is {fmt_num(quote.price)}: type "
                f"{symbol.lower()} {typed} {lev}x 1000 for an entry with a margin, "
                f"or {symbol.lower()} {lev}x {typed} @ market for a margin at the mark",
                field="entry_price",
            )
        if number is not None:
            if sized:
                raise ParseError(
                    f"{fmt_num(number)} and @ market are both the entry; type one of them", field="entry_price"
                )
            merged["margin"] = number
    merged["entry_price"] = quote.price
    merged.setdefault("mark_price", quote.price)
    merged["price_source"] = quote
    if quote.symbol.upper() != symbol.upper():
        merged["symbol"] = quote.symbol  # PEPE on Binance is 1000PEPE: its price is per 1,000


def venue_has_table(fields: Mapping[str, Any], book: TierBook | None = None) -> bool:
    """Whether the venue named in ``fields`` (or the default) has a bracket table for the symbol.

    The precedence of MMRs, decided once: a venue with a table uses its table unless the trade itself
    names an ``mmr``; a saved (default) MMR applies only where there is no table.
    """
    venue = get_venue(str(fields.get("venue") or "textbook"))
    if venue.tier_venue is None:
        return False
    contract = fields.get("contract", ContractType.LINEAR)
    try:
        book_or_bundled(book).table(venue.tier_venue, str(fields.get("symbol") or "BTC"), ContractType(contract))
    except TierNotFoundError:
        return False
    return True


def _check_sizes(merged: Mapping[str, Any], fields: Mapping[str, Any]) -> None:
    """Ask instead of computing when the numbers cannot be what the trader meant.

    One number and a leverage (``btc 10x 1000``): the entry or the margin is missing. An entry far
    outside the symbol's price range (``500 25x 97k btc``): swapped numbers or a typo.
    """
    entry = merged["entry_price"]
    sized = any(merged.get(k) is not None for k in ("margin", "quantity", "notional"))
    symbol = merged.get("symbol")
    if not sized and "entry_price" in fields and merged.get("leverage") is not None:
        coin = f"{symbol.lower()} " if isinstance(symbol, str) else ""
        raise ParseError(
            f"the entry price or the margin is missing: {fmt_num(entry)} was read as the entry and there is no margin; "
            f"type entry, leverage and margin, like {coin}97000 10x 1000 (no live price is loaded for it here)",
            field="entry_price",
        )
    if isinstance(symbol, str) and not plausible(symbol, entry):
        low, high = price_band(symbol) or (0.0, 0.0)
        margin = merged.get("margin")
        if isinstance(margin, float) and plausible(symbol, margin):
            hint = f"did you mean entry {fmt_num(margin)} and margin {fmt_num(entry)}? type the entry first"
        else:
            hint = "check the entry, or name the right symbol"
        raise ParseError(
            f"entry {fmt_num(entry)} is far outside {symbol}'s price range ({fmt_num(low, 4)} to {fmt_num(high, 4)}); {hint}",
            field="entry_price",
        )


# ---------------------------------------------------------------------------------------------------


_TIMES = re.compile(r"(?<=\d)[хХ×]|[хХ×](?=\d)")  # Cyrillic "х" or "×" beside digits: 20х, х20, 20×
_BARE_INT = re.compile(r"^\d{1,3}$")
_GROUP = re.compile(r"^\d{3}$")


def _tokens(text: str) -> list[str]:
    cleaned = fold_phrases(strip_invisible(text)).replace("\u00a0", " ").replace("\u202f", " ")
    if "х" in cleaned or "Х" in cleaned or "×" in cleaned:
        cleaned = _TIMES.sub("x", cleaned)
    cleaned = _join_spaced_x(cleaned)
    cleaned = re.sub(r"\s*@\s*(?=[\d$.])", " @ ", cleaned)
    cleaned = re.sub(r"(\d)\s*%", r"\1%", cleaned)
    return _join_space_groups([t for t in re.split(r"[\s;]+", cleaned.strip()) if t])


_SPACE_THEN_X = re.compile(r"(\d)\s+[xX](?=\s|$)")
_X_THEN_SPACE = re.compile(r"(^|\s)[xX]\s+(?=\d)")


def _join_spaced_x(text: str) -> str:
    """``25 x`` → ``25x`` and ``x 25`` → ``x25`` (a phone keyboard's space before the x)."""
    if " x" not in text and " X" not in text and text[:1] not in "xX":
        return text
    return _X_THEN_SPACE.sub(r"\1x", _SPACE_THEN_X.sub(r"\1x", text))


def _join_space_groups(tokens: list[str]) -> list[str]:
    """``97 000`` → ``97000``: a 1–3 digit number followed by groups of exactly three digits.

    Joined when the group starts with 0 (``97 000``), or when the bare numbers would otherwise be
    more than the two a trade has (entry and margin): ``3 200 20x 200`` is 3,200 and 200, while
    ``600 100 10x`` stays entry 600 and margin 100.
    """
    if not any(len(t) == 3 and t.isdigit() for t in tokens[1:]):
        return tokens
    bare = sum(1 for i, t in enumerate(tokens) if t.isdigit() and (i == 0 or tokens[i - 1].lower() not in _LABELS))
    joined: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        labelled = i > 0 and tokens[i - 1].lower() in _LABELS
        grouped = _BARE_INT.match(token) and i + 1 < len(tokens) and _GROUP.match(tokens[i + 1])
        if grouped and (tokens[i + 1].startswith("0") or (bare > 2 and not labelled)):
            while i + 1 < len(tokens) and _GROUP.match(tokens[i + 1]):
                token += tokens[i + 1]
                i += 1
                bare -= 1
        joined.append(token)
        i += 1
    return joined


def _set(fields: dict[str, Any], field: str, value: Any, token: str) -> None:
    if field in fields and fields[field] != value:
        raise ParseError(f"{_word(field)} is given twice ({_show(fields[field])} and {token!r}); keep one", field=field)
    fields[field] = value


def _value(field: str, token: str) -> Any:
    if field in _PERCENT_FIELDS:
        return parse_percent(token, field=field)
    if field == "leverage":
        return _leverage(token if token.lower().endswith("x") or token.lower().startswith("x") else token + "x")
    if field == "venue":
        return get_venue(token).key
    if field == "symbol":
        symbol = _symbol(token, labelled=True)
        if symbol is None:
            raise ParseError(f"symbol {token!r} is not a ticker; type it like ETH or ETHUSDT", field="symbol")
        return symbol
    return parse_number(token, field=field)


def _leverage(token: str) -> float:
    match = _LEVERAGE.match(token)
    body = (match.group("a") or match.group("b")) if match else token
    try:
        value = parse_number(body, field="leverage")
    except ParseError:
        raise ParseError(f"{token!r} is not a leverage; write it like 10x", field="leverage") from None
    if value <= 0:
        raise ParseError(f"leverage {token!r} must be above 0; write it like 10x", field="leverage")
    return value


def _symbol(token: str, *, labelled: bool = False, known: Collection[str] = ()) -> str | None:
    """The base asset of a ticker; an unlabelled bare word counts only when it is a known symbol."""
    match = _SYMBOL.match(token)
    if match is None:
        return None
    base = match.group("base").upper()
    bare = token.upper().lstrip("#$") == base
    if len(base) == 1 and not token.startswith(("#", "$")):
        return None  # one-letter tickers (G, T) only as #G: a lone letter is too easily something else
    listed = base in KNOWN_SYMBOLS or base in known or base.startswith(("1000", "1M"))
    if bare and not labelled and not listed and not token.startswith(("#", "$")):
        return None
    return "BTC" if base == "XBT" else base


def _is_venue(word: str) -> bool:
    word = word.lstrip("@")
    if not word.replace("-", "").replace(".", "").isalpha():
        return False  # venue names are letters (10x, 50000 are not): no failed look-up per number
    try:
        get_venue(word)
    except Exception:
        return False
    return word in VENUES or len(word) > 1


def _number_hint(token: str) -> str:
    if re.fullmatch(r"[+-]?[\d.,]+[a-zA-Z]+", token):
        letters = re.sub(r"^[+-]?[\d.,]+", "", token)
        if letters.lower() in {"y", "z", "c", "xx"} or letters.lower().startswith("x"):
            return f"{token!r} is not a leverage; write it like 10x"
        return f"{token!r} is not understood: {letters!r} is not a unit; write 10x for leverage or 50k for 50,000"
    return f"{token!r} is not a number; type it like 50000 or 50k"


def _example(field: str) -> str:
    examples = {
        "margin": "margin 1000",
        "quantity": "qty 0.2",
        "notional": "notional 10000",
        "wallet_balance": "bal 10000",
        "added_margin": "add 200",
        "mark_price": "mark 49000",
        "entry_price": "entry 50000",
        "mmr": "mmr 0.5%",
        "maintenance_amount": "cum 50",
        "taker_fee_rate": "fee 0.05%",
        "contract_size": "cs 100",
        "leverage": "lev 10",
        "venue": "ex binance",
        "symbol": "sym ETH",
        "stop_price": "sl 48000",
    }
    return examples.get(field, EXAMPLE)


def _word(field: str) -> str:
    return _FIELD_WORD.get(field, field.replace("_", " "))


def _show(value: Any) -> str:
    if isinstance(value, Side | MarginMode | ContractType):
        return value.value
    return f"{fmt_num(value)}" if isinstance(value, float) else str(value)


CROSS_EXAMPLE = "bal 20000; BTC long 0.5 @ 60000; ETH short 10 @ 3000 mark 2900"


def _parts(text: str) -> Iterator[tuple[int, str]]:
    """The non-empty parts of a several-part input (split by ``;`` or new lines), numbered from 1."""
    return enumerate((part for part in re.split(r"[;\n]+", text) if part.strip()), start=1)


_ACCOUNT_FIELDS = {"wallet_balance", "venue", "mmr", "taker_fee_rate"}
_POSITION_FIELDS = {"symbol", "side", "quantity", "notional", "entry_price", "mark_price", "mmr"}


def parse_cross_account(text: str, *, defaults: Mapping[str, Any] | None = None) -> CrossAccountRequest:
    """Read a cross account: ``bal 20000; BTC long 0.5 @ 60000; ETH short 10 @ 3000 mark 2900``.

    Segments are separated by ``;`` or new lines. A segment with a side is a position (symbol, side,
    quantity ``0.5 @ 60000`` or ``qty``/``notional`` with ``entry``, optional ``mark`` and ``mmr``);
    the others set the account: ``bal``, a venue, ``mmr``, ``fee``.

    Raises:
        ParseError: a segment is not understood, with the example of a whole account.
    """
    account: dict[str, Any] = {k: v for k, v in (defaults or {}).items() if k in _ACCOUNT_FIELDS and v is not None}
    positions: list[dict[str, Any]] = []
    for number, segment in _parts(text):
        fields = parse_trade_fields(segment)
        if "side" not in fields:
            extra = set(fields) - _ACCOUNT_FIELDS
            if extra:
                raise ParseError(
                    f"part {number} {segment.strip()!r} has no side; a position looks like BTC long 0.5 @ 60000",
                    field="positions",
                )
            account.update(fields)
            continue
        extra = set(fields) - _POSITION_FIELDS
        if extra:
            words = ", ".join(sorted(_word(f) for f in extra))
            raise ParseError(
                f"part {number}: {words} cannot be set per position; put it in its own part", field="positions"
            )
        if "entry_price" not in fields or ("quantity" not in fields and "notional" not in fields):
            raise ParseError(
                f"part {number} {segment.strip()!r} needs a quantity and an entry, like BTC long 0.5 @ 60000",
                field="positions",
            )
        if "quantity" not in fields:
            fields["quantity"] = fields["notional"] / fields["entry_price"]
        fields.pop("notional", None)
        fields.setdefault("symbol", "BTC")
        positions.append(fields)
    if not positions:
        raise ParseError(f"no positions given; type them like {CROSS_EXAMPLE}", field="positions")
    _share_marks(positions)
    if "wallet_balance" not in account:
        raise ParseError(f"the wallet balance is missing; start with it, like {CROSS_EXAMPLE}", field="wallet_balance")
    try:
        return CrossAccountRequest(positions=tuple(CrossPositionInput(**p) for p in positions), **account)
    except ValidationError as exc:
        raise validation_message(exc) from None


def _share_marks(positions: list[dict[str, Any]]) -> None:
    """One mark per symbol: a mark given on one leg (hedge mode) marks every leg of that symbol.

    Raises:
        ParseError: two different marks for one symbol.
    """
    marks: dict[str, float] = {}
    for fields in positions:
        mark = fields.get("mark_price")
        if mark is None:
            continue
        symbol = str(fields["symbol"]).upper()
        if symbol in marks and marks[symbol] != mark:
            raise ParseError(
                f"{symbol} has two marks ({fmt_num(marks[symbol])} and {fmt_num(mark)}); one symbol has one mark "
                "price: give it once",
                field="mark_price",
            )
        marks[symbol] = mark
    for fields in positions:
        symbol = str(fields["symbol"]).upper()
        if "mark_price" not in fields and symbol in marks:
            fields["mark_price"] = marks[symbol]


_FILL_AFTER_FILL = re.compile(r"(?<=[\dkKmM])\s+(?=[$€]?\d[\d.,]*[kKmM]?\s*@)")
DCA_EXAMPLE = "10x long; 0.1 @ 50000; 0.1 @ 48000; 0.2 @ 46000"
MAX_DCA_CHARS = 4_000


def parse_dca(text: str, *, defaults: Mapping[str, Any] | None = None) -> DcaPlan:
    """Read a DCA ladder: ``10x long binance; 0.1 @ 50000; 0.1 @ 48000; 0.2 @ 46000``.

    Parts are separated by ``;`` or new lines. A part with ``quantity @ price`` (or ``$value @ price``)
    is a fill, in the order given; the other words, in any part, describe the trade: leverage (required), side,
    venue, symbol, ``mmr``, ``fee``. The ladder is isolated: each add brings margin at the leverage.

    Raises:
        ParseError: a part is not understood, no fill or no leverage, cross asked for, too many fills.
        InvalidInputError: a value is out of range.

    >>> plan = parse_dca("10x short; 0.5 @ 3000; 0.5 @ 3150")
    >>> plan.fills, plan.request.leverage, plan.request.side.value
    (((3000.0, 0.5), (3150.0, 0.5)), 10.0, 'short')
    """
    if len(text) > MAX_DCA_CHARS:
        raise ParseError(
            f"that is {len(text):,} characters; a ladder fits in a few lines, like {DCA_EXAMPLE}", field="text"
        )
    trade: dict[str, Any] = {}
    fills: list[tuple[float, float]] = []
    text = _FILL_AFTER_FILL.sub("; ", text)  # "0.1 @ 50000 0.1 @ 48000" without semicolons: one fill a part
    for number, segment in _parts(text):
        fields = parse_trade_fields(segment)
        if "quantity" in fields or "notional" in fields:
            if "entry_price" not in fields:
                raise ParseError(
                    f"part {number} {segment.strip()!r} has a size but no price; type a fill like 0.1 @ 48000",
                    field="fills",
                )
            price = fields.pop("entry_price")
            notional = fields.pop("notional", None)
            quantity = fields.pop("quantity") if notional is None else notional / price
            fills.append((price, quantity))
        elif "entry_price" in fields or "margin" in fields:
            raise ParseError(
                f"part {number} {segment.strip()!r}: give each fill as quantity @ price, like 0.1 @ 48000",
                field="fills",
            )
        for field, value in fields.items():
            _set(trade, field, value, segment.strip())
    if not fills:
        raise ParseError(f"no fills given; type them like {DCA_EXAMPLE}", field="fills")
    if len(fills) > MAX_DCA_FILLS:
        raise ParseError(
            f"{len(fills)} fills is more than {MAX_DCA_FILLS}; give at most {MAX_DCA_FILLS}", field="fills"
        )
    merged = {k: v for k, v in (defaults or {}).items() if v is not None and k != "wallet_balance"}
    merged.update(trade)
    if "leverage" not in merged:
        raise ParseError(
            f"the leverage is missing: each add is margined at it; type it like {DCA_EXAMPLE}", field="leverage"
        )
    if merged.get("margin_mode", MarginMode.ISOLATED) is not MarginMode.ISOLATED:
        if "margin_mode" in trade:
            raise ParseError(
                "a DCA ladder is isolated (each add brings its own margin); for cross use /cross", field="margin_mode"
            )
        merged.pop("margin_mode")  # a chat default of cross does not apply to a ladder
    if merged.get("contract") is ContractType.INVERSE:
        raise ParseError("a DCA ladder is for USDT-margined (linear) contracts; leave out inverse", field="contract")
    first_price, first_quantity = fills[0]
    try:
        request = TradeRequest(**{**merged, "entry_price": first_price, "quantity": first_quantity})
        return DcaPlan(request=request, fills=tuple(fills))
    except ValidationError as exc:
        raise validation_message(exc) from None
