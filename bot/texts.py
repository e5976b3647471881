"""Fixed texts: the command list, help pages, usage examples (Telegram HTML, pure).

Each command has one example, used by ``/help``, by the error replies ("Example: …") and by the
command menu (``setMyCommands``). Placeholders like ``<entry>`` are escaped here, once.
"""

from __future__ import annotations

from typing import NamedTuple

from bot.formatting import esc
from core.vocabulary import suggest

__all__ = [
    "COMMANDS",
    "Command",
    "busy_text",
    "command",
    "crash_text",
    "example_for",
    "help_text",
    "stale_button_text",
    "start_text",
    "unknown_command_text",
]


class Command(NamedTuple):
    """One bot command: its menu line, usage, example and help paragraph."""

    name: str
    summary: str  # ≤ 256 characters, shown in Telegram's command menu
    usage: str
    example: str
    details: str
    admin: bool = False  # only meaningful for group admins (changing /settings)


TRADE_WORDS = (
    "Words in any order: entry price first, then margin; <code>10x</code> leverage; "
    "<code>long</code>/<code>short</code>; <code>iso</code>/<code>cross</code>; a venue "
    "(<code>binance</code>, <code>bybit</code>, <code>okx</code>, <code>gate</code>, <code>bitget</code>, "
    "<code>mexc</code>, <code>hl</code>); "
    "a symbol (<code>ETH</code>); labels <code>qty</code>, <code>bal</code>, <code>add</code>, "
    "<code>mark</code>, <code>sl</code>, <code>mmr 0.4%</code>, <code>fee 0.05%</code>. Numbers take "
    "<code>k</code>/<code>m</code>, <code>$</code> and <code>usdt</code>; <code>97 000</code> is one number. "
    "Лонг/шорт, uzun/kısa, largo/corto, comprado/vendido, mua/bán work too."
)
VENUE_WORDS = (
    "<b>Textbook</b> is the default venue: the formula every exchange starts from, "
    "liquidation = entry·(1 ∓ 1/leverage ± MMR) with one flat MMR (0.5% unless you give "
    "<code>mmr</code>), no fees, no brackets. Name an exchange for its own rules and brackets; an "
    "exchange that is not a venue yet (BingX, KuCoin, …) is answered on the textbook "
    "formula and says so. MMR: a venue's bracket table is used unless the trade itself says "
    "<code>mmr 0.5%</code>; a saved <code>/settings mmr</code> applies only where a venue has no table."
)

COMMANDS: tuple[Command, ...] = (
    Command(
        "liq",
        "Liquidation price of a trade",
        "/liq <entry> <leverage>x <margin> [long|short] [iso|cross bal <wallet>] [venue] [symbol]",
        "/liq 50000 10x 1000 isolated",
        "Liquidation and bankruptcy price, distance, margin at risk and the tier used. No side: "
        "long and short together. Under it, the same trade on each venue's rules. No entry "
        "(<code>/liq eth 20x 500 long bybit</code>, or <code>@ market</code>): the venue's live mark. "
        "The 📡 line names the table and mark used and how old they are.",
    ),
    Command(
        "compare",
        "Isolated vs cross for one balance",
        "/compare <trade> bal <wallet>",
        "/compare 50000 10x 1000 long bal 10000",
        "The same trade in isolated and in cross margin, with what is at risk in each.",
    ),
    Command(
        "review",
        "Review a trade call: reply to it, or /review BTC long 50000 SL 48500",
        "/review [call] [bal <wallet>] [margin <margin>] [risk <percent>]",
        "/review BTC long 50000 10x SL 48500 TP 54000 / 56000",
        "Reply <code>/review</code> to a message with a trade call (one-liners and Cornix-style signals), "
        "or put the call after it. Answers with a card and a price-ladder chart: isolated and cross "
        "liquidation, whether the stop fires first, risk at the stop, reward:risk per target, the "
        "highest safe leverage, warnings, and what I read. Uses this chat's venue, fee and balance; "
        "<code>bal 10000</code>, <code>margin 500</code>, <code>risk 1%</code> override them.",
    ),
    Command(
        "cross",
        "Several positions in one cross wallet",
        "/cross bal <wallet>; <symbol> <side> <qty> @ <entry> [mark <price>]; …",
        "/cross bal 20000; BTC long 0.5 @ 60000; ETH short 10 @ 3000",
        "Each position's liquidation price (the others held at their marks) and the market-wide "
        "move that liquidates the whole account. One position per part, parts split by ; or new lines.",
    ),
    Command(
        "dca",
        "DCA ladder: liquidation after each add",
        "/dca <leverage>x [long|short] [venue] [symbol]; <qty> @ <price>; <qty> @ <price>; …",
        "/dca 10x long; 0.1 @ 50000; 0.1 @ 48000; 0.2 @ 46000",
        "An isolated position built in adds, each margined at the leverage: after every fill the "
        "average entry, the margin and the liquidation price, and a warning when an add comes after "
        "the liquidation price of the step before. Parts split by ; or new lines; "
        "<code>$5000 @ 48000</code> gives a fill by its value.",
    ),
    Command(
        "pnl",
        "PnL and ROE at an exit price",
        "/pnl <trade> exit <price>",
        "/pnl 50000 10x 1000 long exit 55000",
        "Profit or loss and return on margin when the trade closes at the exit price. An exit past "
        "the liquidation price is never reached: the answer is the margin lost there. No leverage "
        "needed with a quantity (<code>eth 3200 qty 2 short exit 3000</code>). Add "
        "<code>fee 0.05%</code> for taker fees on both fills.",
    ),
    Command(
        "target",
        "Exit price for a target ROE",
        "/target <entry> <leverage>x [long|short] roe <percent>",
        "/target 50000 10x long roe 50%",
        "The price at which the trade returns that share of its margin (negative for a loss); a loss "
        "past liquidation has no exit price.",
    ),
    Command(
        "size",
        "Position size from risk and stop",
        "/size <entry> stop <price> risk <percent|$amount> [bal <wallet>] [<leverage>x]",
        "/size 50000 stop 48500 risk 1% bal 10000",
        "The size that loses the chosen share of the account (<code>risk 1%</code>) or amount "
        "(<code>risk $50</code>) at the stop, and the highest whole leverage whose liquidation stays "
        "beyond the stop. A bare number over 100 is money; from 1 to 100 I ask. With a leverage, "
        "checks that the stop fires first.",
    ),
    Command(
        "tiers",
        "A venue's maintenance-margin brackets",
        "/tiers <venue> <symbol>",
        "/tiers binance BTC",
        "The bundled bracket table, with its date. Without arguments: the tables I have.",
    ),
    Command(
        "settings",
        "This chat's defaults: venue, MMR, fee, balance",
        "/settings [venue <name>] [sym <symbol>] [mode iso|cross] [mmr <%>] [fee <%>] [bal <wallet>]",
        "/settings venue binance bal 10000",
        "Defaults filled into every trade in this chat (what you type wins). In groups only admins "
        "change them. <code>/settings mmr off</code> clears one, <code>/settings reset</code> all.",
        admin=True,
    ),
    Command(
        "watch",
        "Alert me before this trade is liquidated",
        "/watch <trade> [alert <percent>]",
        "/watch eth 3200 20x 500 long bybit",
        "Follows the venue's live mark and alerts here when it comes within 5 % and 2 % of the "
        "liquidation price (<code>alert 3%</code> sets your own), and if it crosses it; once per "
        "crossing, again only after the price moved back by half the distance. Funding the venue "
        "reports moves the liquidation price, and the alert says so. Up to 20 watches each; the 🔔 "
        "button under a /liq card does the same.",
    ),
    Command(
        "watches",
        "Your watches and how far each is from liquidation",
        "/watches",
        "/watches",
        "This chat's watches with the mark now and its distance from liquidation; ❌ removes one.",
    ),
    Command(
        "unwatch",
        "Stop a watch",
        "/unwatch <number>",
        "/unwatch 2",
        "Removes watch N of /watches. In groups only the member who set it can remove it.",
    ),
    Command("help", "How to type a trade", "/help [command]", "/help liq", "This help; with a command, its page."),
    Command("start", "What this bot does", "/start", "/start", "The welcome message."),
)

_BY_NAME = {c.name: c for c in COMMANDS}


def command(name: str) -> Command | None:
    """The command called ``name`` (without the slash), if any."""
    return _BY_NAME.get(name.lower().lstrip("/"))


def example_for(name: str | None) -> str:
    """The example shown under an error of this command (``/liq``'s for plain trades).

    >>> example_for("compare")
    '/compare 50000 10x 1000 long bal 10000'
    """
    found = command(name or "liq") or _BY_NAME["liq"]
    return found.example


def start_text(bot_username: str | None) -> str:
    """Welcome: what the bot does and the first thing to type."""
    inline = (
        f"\nIn any chat: type <code>@{esc(bot_username)} 50000 10x 1000</code> and pick long or short."
        if bot_username
        else ""
    )
    return (
        "👋 <b>Where does my position get liquidated?</b>\n"
        "I compute it with each exchange's own rules and brackets, and say why the exchange may "
        "show a slightly different number.\n\n"
        "Try: <code>/liq 50000 10x 1000</code>\n"
        "Or just send a trade here, like <code>50000 10x 1000 short binance</code>."
        f"{inline}\n\n/help lists everything."
    )


def help_text(name: str | None = None, bot_username: str | None = None) -> str:
    """The overview, or one command's page when ``name`` is a command."""
    found = command(name) if name else None
    if found is not None:
        lines = [
            f"<b>/{found.name}</b>: {esc(found.summary)}",
            f"<code>{esc(found.usage)}</code>",
            "",
            found.details,
            "",
            f"Example: <code>{esc(found.example)}</code>",
        ]
        if found.name in {"liq", "compare", "pnl"}:
            lines += ["", TRADE_WORDS, "", VENUE_WORDS]
        elif found.name == "settings":
            lines += ["", VENUE_WORDS]
        return "\n".join(lines)
    lines = ["<b>liqcalc</b>: liquidation maths with each exchange's rules", ""]
    lines += [f"/{c.name}: {esc(c.summary)}\n   <code>{esc(c.example)}</code>" for c in COMMANDS[:-2]]
    lines += ["", TRADE_WORDS, "", VENUE_WORDS, "", "Details: <code>/help liq</code>, <code>/help cross</code>, …"]
    if bot_username:
        lines.append(f"Inline: <code>@{esc(bot_username)} 50000 10x 1000</code> in any chat.")
    lines.append("In groups, address me as <code>/liq@" + esc(bot_username or "bot") + "</code>.")
    return "\n".join(lines)


def unknown_command_text(name: str) -> str:
    """A command this bot does not have (private chats only; plain text, escaped where it is shown).

    >>> unknown_command_text("lqi")
    "I don't know /lqi: did you mean /liq? /help lists the commands"
    """
    guess = suggest(name, [c.name for c in COMMANDS], cutoff=0.6)
    hint = f": did you mean /{guess}?" if guess else "."
    return f"I don't know /{name[:32]}{hint} /help lists the commands"


def busy_text(seconds: float) -> str:
    """The one notice a user gets when over the per-user command limit."""
    return f"⏳ Too many commands at once; try again in {max(1, round(seconds))} s."


def crash_text() -> str:
    """The kind answer to an unexpected failure (plain text, no HTML)."""
    return "Sorry, something went wrong on my side. Please try again in a moment, or see /help."


def stale_button_text() -> str:
    """A button whose data this version cannot read (forged, or from an old version)."""
    return "This button has expired. Send the command again for fresh buttons."
