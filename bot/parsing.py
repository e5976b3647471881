"""The bot's own argument words around the one trade grammar (pure).

Trades are read by ``core.grammar`` only. This module peels off what is not a trade: the command
word (``/liq@bot``), ``exit 55000`` for ``/pnl``, ``roe 50%`` for ``/target``, ``stop``/``risk``
for ``/size``, the ``/settings`` changes and the ``/tiers`` venue and symbol. Errors are
``core.errors.ParseError`` with a message that says what to type, like the grammar's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from pydantic import ValidationError

from bot.store import ChatSettings
from core import ContractType, CoreError, MarginMode, ParseError, Side, TradeRequest, Venue, get_venue, parse_trade
from core.grammar import parse_number, parse_percent, parse_trade_fields
from core.models import validation_message
from core.pnl import NOMINAL_MARGIN
from core.tier_data import TierBook

__all__ = [
    "SETTING_FIELDS",
    "RiskArg",
    "SettingsChange",
    "SizeArgs",
    "TargetArgs",
    "apply_settings_change",
    "parse_pnl_args",
    "parse_risk",
    "parse_settings_change",
    "parse_size_args",
    "parse_target_args",
    "parse_tiers_args",
    "split_command",
    "split_labels",
]

_COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]{1,32})(?:@(?P<bot>[A-Za-z0-9_]{1,64}))?(?=\s|$)")

SETTING_FIELDS = ("venue", "symbol", "margin_mode", "mmr", "taker_fee_rate", "wallet_balance")
_SETTING_WORDS = {
    "venue": "venue", "ex": "venue", "exchange": "venue", "on": "venue",
    "sym": "symbol", "symbol": "symbol", "coin": "symbol", "pair": "symbol",
    "mode": "margin_mode",
    "mmr": "mmr", "fee": "taker_fee_rate", "taker": "taker_fee_rate",
    "bal": "wallet_balance", "balance": "wallet_balance", "wallet": "wallet_balance", "account": "wallet_balance",
}  # fmt: skip
_CLEAR_WORDS = frozenset({"off", "none", "default", "clear", "reset", "-", "—", "unset"})
_SETTINGS_EXAMPLE = "venue binance mmr 0.4% fee 0.05% bal 10000"


def split_command(text: str) -> tuple[str | None, str | None, str]:
    """``'/liq@bot 50000 10x'`` → ``('liq', 'bot', '50000 10x')``; plain text → ``(None, None, text)``.

    >>> split_command("/liq@liqcalc_bot 50000 10x 1000")
    ('liq', 'liqcalc_bot', '50000 10x 1000')
    >>> split_command("50000 10x 1000")
    (None, None, '50000 10x 1000')
    """
    stripped = text.strip()
    match = _COMMAND.match(stripped)
    if match is None:
        return None, None, stripped
    return match.group("name").lower(), match.group("bot"), stripped[match.end() :].strip()


def split_labels(text: str, labels: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """Take ``label value`` pairs out of ``text``: ``labels`` maps words (lower case) to keys.

    Raises:
        ParseError: a label without a value, or the same key twice.

    >>> split_labels("50000 10x 1000 exit 55k", {"exit": "exit"})
    ('50000 10x 1000', {'exit': '55k'})
    """
    tokens = text.split()
    rest: list[str] = []
    found: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        word = tokens[i].lower()
        if word in labels:
            key = labels[word]
            if i + 1 >= len(tokens):
                raise ParseError(f"{tokens[i]!r} needs a value after it, like {tokens[i]} 55000", field=key)
            if key in found:
                raise ParseError(f"{key} is given twice; keep one", field=key)
            found[key] = tokens[i + 1]
            i += 2
            continue
        rest.append(tokens[i])
        i += 1
    return " ".join(rest), found


# --- /settings ------------------------------------------------------------------------------------


class SettingsChange(NamedTuple):
    """What ``/settings …`` asks for: new values, fields to clear, or a reset of everything."""

    updates: dict[str, Any]
    clear: frozenset[str]
    reset: bool

    @property
    def is_empty(self) -> bool:
        """Nothing asked: show the current settings."""
        return not (self.updates or self.clear or self.reset)


def parse_settings_change(text: str) -> SettingsChange:
    """Read ``venue binance mmr 0.4% bal 10000``, ``mmr off`` or ``reset``.

    Values use the trade grammar (a venue alone, ``cross``, ``ETH`` work too).

    Raises:
        ParseError: a word that is not a setting, with an example.

    >>> parse_settings_change("venue okx mmr 0.4% fee off")
    SettingsChange(updates={'venue': 'okx', 'mmr': 0.004}, clear=frozenset({'taker_fee_rate'}), reset=False)
    """
    tokens = text.split()
    if [t.lower() for t in tokens] in (["reset"], ["clear"], ["reset", "all"]):
        return SettingsChange({}, frozenset(), True)
    clear: set[str] = set()
    kept: list[str] = []
    i = 0
    while i < len(tokens):
        word = tokens[i].lower()
        field = _SETTING_WORDS.get(word)
        if field and i + 1 < len(tokens) and tokens[i + 1].lower() in _CLEAR_WORDS:
            clear.add(field)
            i += 2
            continue
        if field == "margin_mode":  # "mode cross": the grammar reads "cross" alone
            i += 1
            continue
        kept.append(tokens[i])
        i += 1
    updates: dict[str, Any] = {}
    if kept:
        try:
            fields = parse_trade_fields(" ".join(kept))
        except ParseError as exc:
            raise ParseError(f"{exc.message.split(';')[0]}; settings look like {_SETTINGS_EXAMPLE}") from None
        other = [name for name in fields if name not in SETTING_FIELDS]
        if other:
            shown = ", ".join(sorted(other)).replace("_", " ")
            raise ParseError(
                f"{shown} cannot be a default; set venue, sym, mode, mmr, fee or bal, like {_SETTINGS_EXAMPLE}",
                field=other[0],
            )
        updates = {k: (v.value if isinstance(v, Side) else v) for k, v in fields.items()}
    return SettingsChange(updates, frozenset(clear), False)


def apply_settings_change(current: ChatSettings, change: SettingsChange) -> ChatSettings:
    """The settings after a change, validated (ranges as in a trade).

    Raises:
        InvalidInputError: a value out of range (``mmr 150%``), with what to type.
    """
    if change.reset:
        return ChatSettings()
    values = current.as_defaults()
    for field in change.clear:
        values.pop(field, None)
    values.update(change.updates)
    try:
        return ChatSettings(**values)
    except ValidationError as exc:
        raise validation_message(exc) from None


# --- /tiers ---------------------------------------------------------------------------------------


def parse_tiers_args(text: str) -> tuple[Venue | None, str | None, ContractType]:
    """``binance BTC`` → (the Binance venue, ``"BTC"``, linear); either may be missing.

    Raises:
        CoreError: an unknown venue or a word that is not a ticker.
    """
    venue: Venue | None = None
    symbol: str | None = None
    contract = ContractType.LINEAR
    for token in text.split():
        word = token.lower()
        if word in {"inverse", "coinm", "coin-m"}:
            contract = ContractType.INVERSE
            continue
        if word in {"linear", "usdt", "usdm"}:
            continue
        if venue is None:
            try:
                venue = get_venue(word)
                continue
            except CoreError:
                pass
        if symbol is not None:
            raise ParseError(f"{token!r} is one word too many; type it like binance BTC", field="symbol")
        symbol = parse_trade_fields(f"sym {token}")["symbol"]
    return venue, symbol, contract


# --- /pnl, /target, /size -------------------------------------------------------------------------

_EXIT_WORDS = {"exit": "exit", "close": "exit", "out": "exit", "tp": "exit"}
_ROE_WORDS = {"roe": "roe", "target": "roe", "gain": "roe", "return": "roe"}
_SIZE_WORDS = {"stop": "stop", "sl": "stop", "risk": "risk"}


def parse_pnl_args(
    text: str, defaults: Mapping[str, Any], *, book: TierBook | None = None
) -> tuple[TradeRequest, float]:
    """``50000 10x 1000 long exit 55000`` → the trade and the exit price.

    Raises:
        CoreError: no exit price, or a trade the grammar cannot read.
    """
    rest, found = split_labels(text, _EXIT_WORDS)
    if "exit" not in found:
        raise ParseError("the exit price is missing; add it like exit 55000", field="exit_price")
    exit_price = parse_number(found["exit"], field="exit_price")
    if exit_price <= 0:
        raise ParseError(f"exit price {found['exit']!r} must be above 0; type it like exit 55000", field="exit_price")
    return parse_trade(rest, defaults=defaults, book=book), exit_price


class TargetArgs(NamedTuple):
    """What ``/target`` needs: the trade (entry, leverage, a margin), the ROE as a fraction."""

    request: TradeRequest
    roe: float
    nominal_size: bool  # no size typed: a nominal first-bracket margin is checked


def parse_target_args(text: str, defaults: Mapping[str, Any], *, book: TierBook | None = None) -> TargetArgs:
    """``50000 10x long roe 50%`` → :class:`TargetArgs` (the ROE is a percentage).

    The trade needs an entry and a leverage; a margin is optional (without it a first-bracket
    position is checked against liquidation).

    Raises:
        CoreError: no ROE, entry or leverage.
    """
    rest, found = split_labels(text, _ROE_WORDS)
    if "roe" not in found:
        raise ParseError("the target return is missing; add it like roe 50%", field="roe")
    roe = parse_percent(found["roe"], field="roe")
    fields = {k: v for k, v in defaults.items() if v is not None and k != "wallet_balance"}
    if rest:
        fields.update(parse_trade_fields(rest, known_symbols=book.symbols() if book is not None else ()))
    if "entry_price" not in fields:
        raise ParseError("the entry price is missing; start with it, like 50000 10x long roe 50%", field="entry_price")
    if "leverage" not in fields:
        raise ParseError("the leverage is missing; add it like 10x", field="leverage")
    nominal = not any(k in fields for k in ("margin", "quantity", "notional"))
    if nominal:
        fields["margin"] = NOMINAL_MARGIN
    fields["margin_mode"] = MarginMode.ISOLATED
    try:
        return TargetArgs(TradeRequest(**fields), roe, nominal)
    except ValidationError as exc:
        raise validation_message(exc) from None


class RiskArg(NamedTuple):
    """The risk of ``/size``: a share of the account, or an amount of money."""

    fraction: float | None
    amount: float | None


_MONEY = re.compile(r"^(?:[$€](?P<a>.+)|(?P<b>.+?)(?:\$|€|usdt|usdc|usd))$", re.IGNORECASE)


def parse_risk(token: str) -> RiskArg:
    """``1%`` is a share, ``$50``/``50$``/``50usdt`` money; a bare number over 100 is money, 1–100 is asked.

    Raises:
        ParseError: a bare number from 1 to 100 (``risk 50``: 50 % or $50?), or not a number.

    >>> parse_risk("1%"), parse_risk("$50"), parse_risk("250"), parse_risk("0.5")
    (RiskArg(fraction=0.01, amount=None), RiskArg(fraction=None, amount=50.0), RiskArg(fraction=None, amount=250.0), RiskArg(fraction=0.005, amount=None))
    """
    raw = token.strip()
    if raw.endswith("%"):
        return RiskArg(parse_percent(raw, field="risk_fraction"), None)
    money = _MONEY.match(raw)
    if money is not None:
        return RiskArg(None, parse_number(money.group("a") or money.group("b"), field="risk_amount"))
    value = parse_number(raw, field="risk_fraction")
    if value > 100:
        return RiskArg(None, value)
    if value >= 1:
        raise ParseError(
            f"risk {raw!r} is not clear: type risk {raw}% for a share of the account, or risk ${raw} for an amount",
            field="risk_fraction",
        )
    return RiskArg(value / 100.0, None)


class SizeArgs(NamedTuple):
    """What ``/size`` needs; ``side`` is inferred from the stop when not typed."""

    side: Side
    entry_price: float
    stop_price: float
    risk_fraction: float | None
    risk_amount: float | None
    balance: float | None
    leverage: float | None
    venue: str | None
    symbol: str
    mmr: float | None
    taker_fee_rate: float | None


def parse_size_args(text: str, defaults: Mapping[str, Any]) -> SizeArgs:
    """``50000 stop 48500 risk 1% bal 10000 [20x] [short] [binance] [ETH]`` → :class:`SizeArgs`.

    The risk is a share (``risk 1%``, needs the balance) or money (``risk $50``).

    Raises:
        CoreError: a missing stop, risk, entry or balance, each with the form to type.
    """
    rest, found = split_labels(text, _SIZE_WORDS)
    if "stop" not in found:
        raise ParseError("the stop price is missing; add it like stop 48500", field="stop_price")
    if "risk" not in found:
        raise ParseError(
            "the risk is missing; add a share of the account, like risk 1%, or an amount, like risk $50",
            field="risk_fraction",
        )
    stop = parse_number(found["stop"], field="stop_price")
    risk = parse_risk(found["risk"])
    fields = {k: v for k, v in defaults.items() if v is not None}
    if rest:
        fields.update(parse_trade_fields(rest))
    if "entry_price" not in fields:
        raise ParseError(
            "the entry price is missing; start with it, like 50000 stop 48500 risk 1% bal 10000", field="entry_price"
        )
    if "wallet_balance" not in fields and risk.amount is None:
        raise ParseError(
            "the account balance is missing; add it like bal 10000, or risk an amount, like risk $50",
            field="wallet_balance",
        )
    entry = fields["entry_price"]
    side = fields.get("side")
    if side is None:
        side = Side.LONG if stop < entry else Side.SHORT
    return SizeArgs(
        side=side,
        entry_price=entry,
        stop_price=stop,
        risk_fraction=risk.fraction,
        risk_amount=risk.amount,
        balance=fields.get("wallet_balance"),
        leverage=fields.get("leverage"),
        venue=fields.get("venue"),
        symbol=fields.get("symbol") or "BTC",
        mmr=fields.get("mmr"),
        taker_fee_rate=fields.get("taker_fee_rate"),
    )
