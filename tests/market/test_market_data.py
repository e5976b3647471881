"""Market data end to end: every venue's documented endpoints through the exchange emulator, into core (issue 12).

Sources: the response shapes of ``../shared/MARKET.md`` (served by ``exchange_emulator.py`` from
``fixtures/``, whose README says where each file's numbers come from); the formulas of ``core``.
Each number is checked against the liquidation condition written out below, on the very table the
venue answered, with a relative tolerance of 1e-9 of the position's notional.
"""

from __future__ import annotations

import asyncio
import math

import pytest

from core import ContractType, MarginMode, Side, TradeRequest, calculate, parse_trade
from core.enums import FeeModel, MMBasis
from core.errors import ParseError, TierNotFoundError
from core.models import LiquidationResult
from core.tier_data import BUNDLED
from core.tiers import TierTable
from core.venues import VENUES
from market.catalog import CORE_VENUE, SOURCES
from market.describe import data_line
from market.sources import Credentials
from tests.market.exchange_emulator import API_KEY, API_SECRET

REL = 1e-9

# venue → a symbol none of the bundled tables has, and the contract
NOT_BUNDLED = {
    "binance": ("DOGE", ContractType.LINEAR),
    "binance-coinm": ("ETH", ContractType.INVERSE),
    "bybit": ("WLD", ContractType.LINEAR),
    "okx": ("XRP", ContractType.LINEAR),
    "gate": ("DOGE", ContractType.LINEAR),
    "bitget": ("LINK", ContractType.LINEAR),
    "hyperliquid": ("DOGE", ContractType.LINEAR),
    "mexc": ("ADA", ContractType.LINEAR),
}


def liquidation_residual(result: LiquidationResult, table: TierTable) -> float:
    """Equity − maintenance margin at the computed liquidation price, as a fraction of the notional at entry.

    Derivation (isolated, one position of size q, wallet W, sign s = +1 long / −1 short, price P):
        linear   equity = W + s·q·(P − EP)            MM = q·B·(mmr + f) − amount
        inverse  equity = W + s·q·cs·(1/EP − 1/P)     MM = q·cs/B·(mmr + f) − amount   (coin)
    with B = P where the venue measures MM at the liquidation price and B = EP where at entry, f the
    taker fee where the venue adds it to the rate, and (mmr, amount) the bracket that holds the size
    at B. The liquidation price is where equity = MM.
    """
    venue = VENUES[result.venue]
    pos, price = result.position, result.liquidation_price_exact
    assert price is not None
    basis = price if venue.mm_basis is MMBasis.LIQUIDATION else pos.entry_price
    fee = venue.taker_fee_rate if venue.fee_model is FeeModel.TAKER_IN_MMR else 0.0
    tier = table.tiers[table.index_at(table.size(pos.quantity, basis))]
    s = pos.side.sign
    if table.contract is ContractType.INVERSE:
        equity = pos.wallet_balance + s * pos.quantity * table.contract_size * (1 / pos.entry_price - 1 / price)
        mm = pos.quantity * table.contract_size / basis * (tier.mmr + fee) - tier.maintenance_amount
    else:
        equity = pos.wallet_balance + s * pos.quantity * (price - pos.entry_price)
        mm = pos.quantity * basis * (tier.mmr + fee) - tier.maintenance_amount
    return (equity - mm) / pos.notional_settle


def core_venue(source: str) -> str:
    return CORE_VENUE[source]


def tier2_trade(table: TierTable, mark: float, venue: str, symbol: str) -> str:
    """A short whose notional sits in the middle of the table's second bracket, at a leverage it allows."""
    second = table.tiers[1]
    middle = (second.floor + min(second.cap, second.floor * 3 or second.cap)) / 2
    if table.bound_unit.value == "base_quantity":
        middle *= mark
    if table.contract is ContractType.INVERSE:  # brackets in coin: notional in coin × mark = USD
        middle *= mark
    leverage = max(1, min(5, math.floor(second.max_leverage)))
    margin = middle / leverage / (mark if table.contract is ContractType.INVERSE else 1)
    contract = " inverse" if table.contract is ContractType.INVERSE else ""
    return f"{symbol.lower()} {leverage}x {margin:.6g} short {venue}{contract} @ market"


@pytest.mark.parametrize("source", list(NOT_BUNDLED))
async def test_every_venue_answers_a_tier2_trade_on_a_symbol_not_bundled(make_market, emu, source):
    symbol, contract = NOT_BUNDLED[source]
    venue = core_venue(source)
    with pytest.raises(TierNotFoundError):
        BUNDLED.table(venue, symbol, contract)  # the snapshot cannot answer it
    market = make_market()
    await market.start()
    (outcome,) = await market.refresh([source])
    assert outcome.ok and outcome.symbols > 0 and outcome.rejected == 0
    await market.ready(venue, symbol, contract, price=True)
    table = market.book.table(venue, symbol, contract)
    mark = market.book.mark(venue, symbol, contract)
    assert mark is not None and mark.age_seconds < 5
    request = parse_trade(tier2_trade(table, mark.price, venue, symbol), book=market.book)
    assert request.price_source is not None and request.price_source.market == mark.market
    assert request.entry_price == mark.price
    result = calculate(request, book=market.book)
    assert result.tier is not None and result.tier.number >= 2
    assert result.tier.as_of == outcome.as_of and result.tier.source == table.source
    assert abs(liquidation_residual(result, table)) < REL
    assert result.liquidation_price is not None and result.position.side is Side.SHORT
    # rounded to the instrument's tick towards the entry (conservative: a short's down, never further away)
    assert result.liquidation_price <= result.liquidation_price_exact


async def test_on_every_fetched_table_equity_equals_maintenance_at_the_liquidation_price(make_market):
    """Property: every symbol of every venue, both sides, sizes in each of the first three brackets."""
    market = make_market()
    await market.start()
    outcomes = await market.refresh()
    assert all(o.ok for o in outcomes), outcomes
    checked = 0
    for (venue, contract), count in market.book.count().items():
        for market_name in list(market.book._tables[(venue, contract)])[: max(count, 1)]:
            table = market.book._tables[(venue, contract)][market_name]
            for tier in table.tiers[:3]:
                for side in (Side.LONG, Side.SHORT):
                    entry = 100.0
                    top = tier.cap if math.isfinite(tier.cap) else tier.floor * 2 + 1_000
                    size = (tier.floor + top) / 2
                    leverage = max(1.0, min(5.0, tier.max_leverage))
                    if table.contract is ContractType.INVERSE:
                        qty = size * entry / table.contract_size  # contracts whose coin notional is `size`
                        margin = size / leverage
                    elif table.bound_unit.value == "base_quantity":
                        qty, margin = size, size * entry / leverage
                    else:
                        qty, margin = size / entry, size / leverage
                    request = TradeRequest(
                        entry_price=entry, quantity=qty, margin=margin, side=side, venue=venue, symbol=table.symbol,
                        contract=table.contract,
                    )  # fmt: skip
                    try:
                        result = calculate(request, book=market.book)
                    except TierNotFoundError:
                        continue  # beyond the last bracket at the liquidation price: refused, never extrapolated
                    if result.liquidation_price_exact is None or result.already_liquidated:
                        continue
                    assert abs(liquidation_residual(result, table)) < REL, (venue, market_name, side, tier)
                    checked += 1
    assert checked > 2_500  # 8 sources × their symbols × 2 sides × 3 brackets, less the sizes refused


async def test_symbols_in_any_spelling_reach_the_venues_instrument(make_market):
    market = make_market()
    await market.start()
    await market.refresh(["okx", "hyperliquid", "binance", "gate"])
    book = market.book
    assert book.table("okx", "BTC-USDT-SWAP").market == "BTC-USDT"
    assert book.table("gate", "btc_usdt").market == "BTC_USDT"
    assert book.table("binance", "1000PEPE").market == "1000PEPEUSDT"
    assert book.table("binance", "pepe").market == "1000PEPEUSDT"  # notional brackets: the price unit does not matter
    assert book.table("hyperliquid", "1000PEPE").market == "kPEPE"
    assert book.table("hyperliquid", "kPEPE").market == "kPEPE"
    with pytest.raises(TierNotFoundError, match=r"Gate lists no perpetual 'DOG'; did you mean DOGE_USDT"):
        book.table("gate", "DOG")


async def test_an_unknown_symbol_refreshes_its_venue_at_most_once_a_minute(make_market, emu):
    now = [1_800_000_000.0]
    market = make_market(clock=lambda: now[0])
    await market.start()
    await market.refresh(["bybit"])
    before = emu.count("bybit")
    await market.ready("bybit", "NEWCOIN", price=False)
    after_first = emu.count("bybit")
    assert after_first > before  # one refresh of Bybit
    await market.ready("bybit", "NEWCOIN", price=False)
    now[0] += 30
    await market.ready("bybit", "NEWCOIN", price=False)
    assert emu.count("bybit") == after_first  # within the minute: no more requests
    now[0] += 31
    await market.ready("bybit", "NEWCOIN", price=False)
    assert emu.count("bybit") > after_first
    with pytest.raises(TierNotFoundError, match="Bybit lists no perpetual 'NEWCOIN'"):
        calculate(parse_trade("#newcoin 1 10x 100 long bybit", book=market.book), book=market.book)


async def test_an_unknown_okx_or_bitget_symbol_fetches_just_that_family(make_market, emu):
    now = [1_800_000_000.0]
    market = make_market(clock=lambda: now[0])
    await market.start()
    await market.ready("okx", "DOGE", price=False)  # nothing cached yet: DOGE's family only
    assert market.book.count()[("okx", ContractType.LINEAR)] == 1 and market.book.knows("okx", "DOGE")
    now[0] += 61
    await market.ready("okx", "XRP", price=False)
    assert market.book.knows("okx", "XRP") and market.book.count()[("okx", ContractType.LINEAR)] == 2
    tiers = [q for v, q in emu.paths if v == "okx" and q == "/api/v5/public/position-tiers"]
    assert len(tiers) == 2  # DOGE, then XRP: one family per unknown symbol, never the whole venue


async def test_marks_are_shared_for_ten_seconds(make_market, emu):
    now = [1_800_000_000.0]
    market = make_market(clock=lambda: now[0])
    await market.start()
    await market.refresh(["gate"])
    start = emu.count("gate")
    await asyncio.gather(*(market.ready("gate", "DOGE", price=True) for _ in range(20)))
    assert emu.count("gate") == start + 1  # twenty askers, one bulk request
    now[0] += 9
    await market.ready("gate", "ETH", price=True)
    assert emu.count("gate") == start + 1
    mark = market.book.mark("gate", "ETH")
    assert mark is not None and mark.age_seconds == 9 and mark.describe().endswith("(9 s ago)")
    emu.set_mark("gate", "ETH_USDT", 3_300.0)
    now[0] += 2
    await market.ready("gate", "ETH", price=True)
    assert emu.count("gate") == start + 2 and market.book.mark("gate", "ETH").price == 3_300.0


async def test_the_textbook_venue_takes_the_first_venue_with_a_mark(make_market, emu):
    market = make_market()
    await market.start()
    await market.refresh(["bybit"])
    emu.fault("binance", "503", times=10)  # Binance (first in PRICE_VENUES) has no price to give
    await market.ready(None, "WLD", price=True)
    request = parse_trade("wld 10x 100 long", book=market.book)  # no venue: the textbook formula at Bybit's mark
    assert request.price_source is not None and request.price_source.venue_name == "Bybit"
    result = calculate(request, book=market.book)
    # textbook long: EP·(1 − 1/10 + 0.5 %) = 1.85 · 0.905
    assert result.liquidation_price == pytest.approx(1.85 * 0.905, rel=1e-12)


async def test_one_number_near_the_mark_is_asked_not_guessed(make_market):
    market = make_market()
    await market.start()
    await market.refresh(["bybit"])
    await market.ready("bybit", "ETH", price=True)
    with pytest.raises(ParseError, match=r"is 3,000 the entry or the margin\? the ETH mark is 3,187.35"):
        parse_trade("eth 20x 3000 long bybit", book=market.book)
    at_market = parse_trade("eth 20x 3000 long bybit @ market", book=market.book)
    assert at_market.margin == 3_000 and at_market.entry_price == 3_187.35
    for text in ("eth 20x 1000 @ market bybit", "eth 20x 1000 @market bybit", "eth 20x 1000 now bybit"):
        request = parse_trade(text, book=market.book)
        assert (request.margin, request.quantity, request.entry_price) == (1_000, None, 3_187.35), text
    far = parse_trade("eth 20x 500 long bybit", book=market.book)
    assert far.margin == 500 and far.entry_price == 3_187.35


# --- faults: the previous data answers, with its age ---------------------------------------------------

FAULTS = [
    pytest.param("gate", "500", 4, id="5xx-every-retry"),
    pytest.param("gate", "418", 1, id="418-ban"),
    pytest.param("gate", "malformed", 1, id="malformed-json"),
    pytest.param("gate", "truncated", 1, id="truncated-page"),
    pytest.param("bybit", "truncated", 1, id="truncated-cursor-page"),
]


@pytest.mark.parametrize(("source", "kind", "times"), FAULTS)
async def test_a_failed_refresh_keeps_the_previous_tables_and_says_how_old(make_market, emu, source, kind, times):
    now = [1_800_000_000.0]
    market = make_market(clock=lambda: now[0])
    await market.start()
    (first,) = await market.refresh([source])
    assert first.ok
    venue = core_venue(source)
    before = market.book.table(venue, "DOGE")
    now[0] += 8 * 86_400
    path = "/api/v4/futures/usdt/risk_limit_tiers" if source == "gate" else "/v5/market/risk-limit"
    emu.fault(source, kind, times=times, path=path)
    (second,) = await market.refresh([source])
    assert not second.ok and second.note
    after = market.book.table(venue, "DOGE")
    assert after == before
    # a restart reads the cache: still the old table, and the run says what failed
    again = make_market(cache=market.cache.__class__(market.cache.path), clock=lambda: now[0])
    await again.start()
    assert again.book.table(venue, "DOGE") == before
    (run,) = [r for r in await again.runs() if r.source == source]
    assert not run.ok and run.refreshed_at == 1_800_000_000.0
    line = data_line("Gate", before.market, before.as_of, None, now=now[0])
    assert line is not None and line.startswith("⚠️") and "8 days old" in line


async def test_429_with_retry_after_is_waited_out(make_market, emu, sleeps):
    market = make_market()
    await market.start()
    emu.fault("gate", "429", times=2, retry_after=3)
    (outcome,) = await market.refresh(["gate"])
    assert outcome.ok
    assert sleeps.waits[:2] == [3.0, 3.0]  # the venue's Retry-After, not our own guess


async def test_a_time_out_is_retried_then_given_up(make_market, emu):
    import httpx

    market = make_market(client=httpx.AsyncClient(timeout=0.3), retries=1)
    await market.start()
    emu.hang_seconds = 1.0
    emu.fault("mexc", "timeout", times=2)
    (outcome,) = await market.refresh(["mexc"])
    assert not outcome.ok and "no answer in time" in outcome.note
    emu.fault("mexc", "timeout", times=1)
    (retried,) = await market.refresh(["mexc"])
    assert retried.ok


@pytest.mark.parametrize("source", ["binance", "bybit", "gate", "bitget", "hyperliquid", "mexc", "okx"])
async def test_a_table_that_fails_validation_never_replaces_a_good_one(make_market, emu, source):
    market = make_market()
    await market.start()
    await market.refresh([source])
    venue = core_venue(source)
    good = {
        (t.contract, m): t for (v, _), tables in market.book._tables.items() if v == venue for m, t in tables.items()
    }
    emu.fault("binance-web" if source == "binance" else source, "invalid", times=100)
    (outcome,) = await market.refresh([source])
    assert outcome.ok and outcome.symbols == 0 and outcome.rejected == len(good)
    assert {(c, m): market.book.table(venue, t.symbol, c) for (c, m), t in good.items()} == good
    stored = await market.cache.tables()
    assert {(t.contract, t.market): t for t in stored if t.venue == venue} == good


async def test_a_failed_price_request_keeps_the_last_mark_with_its_age(make_market, emu):
    now = [1_800_000_000.0]
    market = make_market(clock=lambda: now[0])
    await market.start()
    await market.refresh(["bitget"])
    await market.ready("bitget", "LINK", price=True)
    now[0] += 25
    emu.fault("bitget", "503", times=10, path="/api/v2/mix/market/tickers")
    await market.ready("bitget", "LINK", price=True)
    mark = market.book.mark("bitget", "LINK")
    assert mark is not None and mark.describe() == "Bitget LINKUSDT mark 14.2 (25 s ago)"
    now[0] += 20 * 60  # beyond MAX_PRICE_AGE: no entry is taken from it
    await market.ready("bitget", "LINK", price=True)
    with pytest.raises(ParseError, match="there is no live price for LINK on Bitget here; type the entry price"):
        parse_trade("link 10x 100 long bitget @ market", book=market.book)
    with pytest.raises(ParseError, match=r"the entry price or the margin is missing.*no live price is loaded"):
        parse_trade("link 10x 100 long bitget", book=market.book)


# --- the venues' particular shapes -------------------------------------------------------------------------


async def test_bybit_cursor_pages_and_gate_offset_pages_are_all_read(make_market, emu):
    market = make_market()
    await market.start()
    await market.refresh(["bybit", "gate"])
    risk_pages = [p for v, p in emu.paths if v == "bybit" and p == "/v5/market/risk-limit"]
    assert len(risk_pages) == 2 + 1  # 30 linear symbols at 15 a page, 2 inverse on one page
    gate_pages = [p for v, p in emu.paths if v == "gate" and p.endswith("risk_limit_tiers")]
    rows = emu.data["gate/risk_limit_tiers"]
    assert len(gate_pages) == len(rows) // 100 + 1
    for table in market.book._tables[("gate", ContractType.LINEAR)].values():
        assert len(table.tiers) == sum(1 for r in rows if r["contract"] == table.market)  # none cut at a page edge
    assert market.book.knows("bybit", "BTC", ContractType.INVERSE)
    assert not market.book.knows("bybit", "BTCPERP")  # USDC perpetuals are left out: BTC is BTCUSDT


async def test_binance_signed_brackets_with_an_operator_key(make_market, emu):
    market = make_market()
    market.binance_keys = Credentials(API_KEY, API_SECRET)
    await market.start()
    (outcome,) = await market.refresh(["binance"])
    assert outcome.ok and market.book.table("binance", "DOGE").source == "Binance GET /fapi/v1/leverageBracket"
    market.binance_keys = Credentials(API_KEY, "a wrong secret")
    (refused,) = await market.refresh(["binance"])
    assert not refused.ok and "HTTP 400" in refused.note
    keyless = make_market()
    await keyless.start()
    await keyless.refresh(["binance"])
    web = keyless.book.table("binance", "DOGE")
    assert "website calculator" in web.source
    signed = market.book.table("binance", "DOGE")
    # each answer says which Binance source it used
    assert "(signed API) as of" in data_line("Binance", signed.market, signed.as_of, None, now=0, source=signed.source)
    line = data_line("Binance", web.market, web.as_of, None, now=0, source=web.source)
    assert line == f"Binance DOGEUSDT tiers (website brackets, keyless) as of {web.as_of}"


async def test_okx_tiers_count_contracts_and_are_not_marginal(make_market, emu):
    market = make_market()
    await market.start()
    await market.refresh(["okx"])
    table = market.book.table("okx", "XRP")
    row = next(r for r in emu.data["okx/position_tiers"] if r["instFamily"] == "XRP-USDT" and r["tier"] == "2")
    ct_val = float(next(i for i in emu.data["okx/instruments"]["data"] if i["instFamily"] == "XRP-USDT")["ctVal"])
    assert table.tiers[1].floor == float(row["minSz"]) * ct_val and table.bound_unit.value == "base_quantity"
    assert not table.marginal and all(t.maintenance_amount == 0 for t in table.tiers)
    # OKX publishes separate cross tiers; only the isolated ones are fetched, and a cross answer says so
    cross = calculate(parse_trade("xrp 2.1 10x 100 long okx cross bal 1000", book=market.book), book=market.book)
    assert "isolated tiers used (OKX publishes others for cross)" in cross.caveat
    isolated = calculate(parse_trade("xrp 2.1 10x 100 long okx", book=market.book), book=market.book)
    assert "isolated tiers used" not in isolated.caveat


async def test_inverse_contract_size_comes_from_each_instrument(make_market):
    market = make_market()
    await market.start()
    await market.refresh(["binance-coinm", "bybit"])
    assert market.book.table("binance", "BTC", ContractType.INVERSE).contract_size == 100
    assert market.book.table("binance", "ETH", ContractType.INVERSE).contract_size == 10
    assert market.book.table("bybit", "BTC", ContractType.INVERSE).contract_size == 1


async def test_max_leverage_comes_from_the_live_table(make_market):
    market = make_market()
    await market.start()
    await market.refresh(["binance"])
    # DOGE's first Binance bracket allows 75x (fixture from the recorded response)
    with pytest.raises(Exception, match="above the binance DOGE maximum of 75x"):
        calculate(parse_trade("0.15 100x 50 long binance doge", book=market.book), book=market.book)
    assert calculate(parse_trade("0.15 75x 100 long binance doge", book=market.book), book=market.book).tier.number == 1


def test_every_source_has_a_url_variable_and_a_venue():
    from market.catalog import URL_VARIABLES

    assert set(SOURCES) <= set(URL_VARIABLES) and all(CORE_VENUE[s] in VENUES for s in SOURCES)
    assert MarginMode.ISOLATED  # the trades above are isolated: the residual is the isolated condition


async def test_no_listed_symbol_is_refused_for_lack_of_data(make_market):
    """Every perpetual each venue lists gets a table, a mark and an answer (a small trade at the mark)."""
    market = make_market()
    await market.start()
    await market.refresh()
    for source in SOURCES:
        await market.prices(source)
    answered = 0
    for (venue, contract), tables in market.book._tables.items():
        for table in tables.values():
            mark = market.book.mark(venue, table.symbol, contract)
            assert mark is not None, (venue, table.market)
            inverse = " inverse" if contract is ContractType.INVERSE else ""
            margin = "0.01" if contract is ContractType.INVERSE else "10"
            request = parse_trade(f"#{table.symbol} 2x {margin} long {venue}{inverse} @ market", book=market.book)
            assert calculate(request, book=market.book).liquidation_price is not None
            answered += 1
    assert answered == sum(market.book.count().values()) > 500


async def test_dca_review_and_funding_use_the_fetched_tables(make_market):
    """The other commands take the same book: a symbol only the fetched tables have is answered."""
    from core import dca_ladder, parse_trade_call, review_call
    from core.funding import liquidation_after_funding

    market = make_market()
    await market.start()
    await market.refresh(["gate"])
    request = TradeRequest(entry_price=0.15, quantity=20_000, leverage=10, side="long", venue="gate", symbol="DOGE")
    with pytest.raises(TierNotFoundError):
        dca_ladder(request, [(0.15, 20_000), (0.14, 20_000)])  # the bundled snapshot has no Gate table
    steps = dca_ladder(request, [(0.15, 20_000), (0.14, 20_000)], book=market.book)
    assert len(steps) == 2 and steps[-1].liquidation_price is not None
    review = review_call(parse_trade_call("DOGE long 0.15 10x SL 0.14 TP 0.17"), venue="gate", book=market.book)
    assert review.isolated.tier is not None and review.isolated.tier.source.startswith("Gate GET")
    drifted = liquidation_after_funding(request, Side.LONG, 0.0001, 21, book=market.book)
    assert drifted.tier is not None and drifted.tier.source.startswith("Gate GET")


async def test_bybit_classic_reads_bybits_tables_and_marks(make_market, emu):
    """``bybit-classic`` is Bybit's classic formula on Bybit's own data: its trades fetch Bybit, not another venue."""
    market = make_market()
    await market.start()
    assert not market.has_what_it_needs("bybit-classic", "WLD", price=False)  # nothing of Bybit's fetched yet
    await market.ready("bybit-classic", "WLD", price=True)
    assert market.book.knows("bybit", "WLD") and emu.count("binance") == 0
    request = parse_trade("wld 10x 100 long bybit-classic", book=market.book)
    assert request.price_source is not None and request.price_source.venue_name == "Bybit"
