"""The sample workbook, evaluated on Linux with ``formulas`` and the LIQ_ functions registered.

Every formula cell of the committed ``LiquidationPlanner.xlsx`` is checked against ``core`` called
directly with the sheet's inputs: this proves the workbook and the functions agree end to end. The
committed file must also be what ``python -m excel_addin.build_workbook`` writes today.

Tolerances: cells computed by the same core path are compared to 1e-9 relative; prices from a range
formula (the bulk twin, rounded to the tick) to one tick (Binance BTCUSDT: 0.1).
"""

from __future__ import annotations

import math
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

from core import (
    CallReview,
    CrossAccountRequest,
    CrossPositionInput,
    Side,
    TradeRequest,
    calculate,
    calculate_sides,
    compare_margin_modes,
    cross_account,
    dca_ladder,
    get_venue,
    liquidation_after_funding,
    max_safe_leverage,
    parse_trade,
    parse_trade_call,
    pnl,
    pnl_report,
    position_size,
    review_call,
    stop_check,
    target_price,
    tier_table,
)
from excel_addin import _cells
from excel_addin._dca import DCA_HEADER, LIQUIDATED_BEFORE_ADD
from excel_addin.build_workbook import BLOCK_ROWS, MORE_ROWS, OUTPUT, build
from excel_addin.udfs import __all__ as LIQ_FUNCTIONS
from tests.excel_addin.formulas_harness import evaluate, registered

ERROR = _cells.ERROR  # the error value: Office.js turns the string "#VALUE!" into it; so does the harness
NA = "#N/A"


class WHY(str):
    """An expected LIQ_WHY sentence: compared by its beginning."""


TICK = 0.1  # Binance BTCUSDT tick (core/tier_tables/binance_BTCUSDT.json)
PLANNER, SIZING, CROSS, REVIEW = "TRADE PLANNER", "POSITION SIZING", "CROSS PORTFOLIO", "TRADE REVIEW"
DCA = "DCA LADDER"


@pytest.fixture(scope="module")
def values() -> dict[tuple[str, str], Any]:
    with pytest.MonkeyPatch.context() as patch, registered():
        patch.setenv("LIQCALC_MARKET_DB", "off")  # as every Excel test: the bundled tables, no fetching
        return evaluate(OUTPUT)


@pytest.fixture(scope="module")
def book() -> openpyxl.Workbook:
    return openpyxl.load_workbook(OUTPUT)


def formula_cells(book: openpyxl.Workbook) -> set[tuple[str, str]]:
    """Every cell holding or receiving a formula (array formulas: their whole area)."""
    found = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula):
                    min_col, min_row, max_col, max_row = range_boundaries(value.ref)
                    for r in range(min_row, max_row + 1):
                        for c in range(min_col, max_col + 1):
                            found.add((sheet.title.upper(), f"{get_column_letter(c)}{r}"))
                elif isinstance(value, str) and value.startswith("="):
                    found.add((sheet.title.upper(), cell.coordinate))
    return found


def expected_cells(book: openpyxl.Workbook) -> dict[tuple[str, str], tuple[Any, float]]:
    """Each formula cell's expected value from core, with its absolute tolerance (strings: exact prefix)."""
    expected: dict[tuple[str, str], tuple[Any, float]] = {}
    expected.update(_planner(book["Trade planner"]))
    expected.update(_sizing(book["Position sizing"]))
    expected.update(_cross(book["Cross portfolio"]))
    expected.update(_review(book["Trade review"]))
    expected.update(_dca(book["DCA ladder"]))
    return expected


def _planner(ws: Any) -> dict[tuple[str, str], tuple[Any, float]]:
    entry, side, lev, margin, qty, venue, symbol, balance, mmr, mode, stop, rate, periods = (
        ws[f"B{row}"].value for row in range(4, 17)
    )
    assert mmr is None and qty is None
    request = TradeRequest(
        entry_price=entry, leverage=lev, margin=margin, side=side, margin_mode=mode, venue=venue, symbol=symbol,
        wallet_balance=balance,
    )  # fmt: skip
    card = calculate(request)
    out: dict[str, tuple[Any, float]] = {
        "E4": (card.liquidation_price, 0),
        "E5": (card.bankruptcy_price, 0),
        "E6": (card.move_to_liquidation, 0),
        "E7": (card.position.initial_margin, 0),
        "E8": (card.maintenance_margin_at_entry, 0),
        "E9": (card.max_loss, 0),
        "E10": (stop_check(card.position.side, entry, stop, card.liquidation_price).message, 0),
        "E11": (liquidation_after_funding(request, Side(side), rate, periods).liquidation_price, 0),
        # LIQ_MARK: no market data in this run (conftest: LIQCALC_MARKET_DB=off); live marks: test_excel_market.py
        "E16": (ERROR, 0),
        "E17": (WHY("market data is off here"), 0),
        # the textbook formula, by the function and in plain Excel: EP·(1 − 1/L + 0.5 %)
        "E13": (entry * (1 - 1 / lev + 0.005), 1e-9),
        "E14": (entry * (1 - 1 / lev + 0.005), 1e-9),
    }
    long_card, short_card = calculate_sides(parse_trade("50000 10x 1000 isolated"))
    out["E15"] = (long_card.liquidation_price, 0)
    out["F15"] = (short_card.liquidation_price, 0)
    iso_request = request.model_copy(update={"margin_mode": _cells.MODE("isolated"), "wallet_balance": None})
    comparison = compare_margin_modes(iso_request, balance)
    out.update({"D20": ("", 0), "E20": ("isolated", 0), "F20": ("cross", 0)})
    for row, label in enumerate(_cells.COMPARE_LABELS, start=21):
        out[f"D{row}"] = (label, 0)
        for col, result in (("E", comparison.isolated), ("F", comparison.cross)):
            value = {
                "liquidation price": result.liquidation_price,
                "move to liquidation": result.move_to_liquidation,
                "bankruptcy price": result.bankruptcy_price,
                "at risk (max loss)": result.max_loss,
                "effective leverage": result.effective_leverage,
            }[label]
            out[f"{col}{row}"] = ("none" if value is None else value, 0)
    table = tier_table(venue, symbol)
    for col, header in zip("ABCDEF", _cells.TIER_HEADER, strict=True):
        out[f"{col}29"] = (header, 0)
    for row, tier in enumerate(table.tiers, start=30):
        cells = (row - 29, tier.floor, tier.cap, tier.mmr, tier.max_leverage, tier.maintenance_amount)
        for col, value in zip("ABCDEF", cells, strict=True):
            out[f"{col}{row}"] = (value, 0)
    last = 30 + len(table.tiers)
    out.update({f"A{last}": (f"Binance {table.market}", 0), f"B{last}": (f"as of {table.as_of}", 0)})
    out.update({f"{col}{last}": ("", 0) for col in "CDEF"})
    out.update(_padding("ABCDEF", last + 1, 29 + BLOCK_ROWS["tiers"] - 1))
    return {(PLANNER, ref): value for ref, value in out.items()}


def _padding(columns: str, first: int, last: int) -> dict[str, tuple[Any, float]]:
    """The rows of a block past the answer: #N/A in an array area, as Excel (without dynamic arrays) shows them."""
    return {f"{col}{row}": (NA, 0) for col in columns for row in range(first, last + 1)}


def _sizing(ws: Any) -> dict[tuple[str, str], tuple[Any, float]]:
    entry, side, stop, account, risk, venue, symbol, fee, roe = (ws[f"B{row}"].value for row in range(4, 13))
    qty = position_size(account, risk, entry, stop, taker_fee_rate=fee)
    safe = max_safe_leverage(
        side, entry, stop, quantity=qty, table=tier_table(venue, symbol), venue=get_venue(venue), taker_fee_rate=fee
    )
    assert safe is not None
    lev = math.floor(safe)
    card = calculate(TradeRequest(entry_price=entry, leverage=lev, quantity=qty, side=side, venue=venue, symbol=symbol))
    roe_request = TradeRequest(entry_price=entry, leverage=lev, quantity=1, side=side, taker_fee_rate=fee)
    out: dict[str, tuple[Any, float]] = {
        "E4": (qty, 0),
        "E5": (qty * entry, 1e-9),
        "E6": (safe, 0),
        "E7": (lev, 0),
        "E8": (card.liquidation_price, 0),
        "E9": (stop_check(side, entry, stop, card.liquidation_price).message, 0),
        "E10": (pnl(side, entry, stop, qty, taker_fee_rate=fee), 1e-9),
        "E11": (pnl_report(roe_request, stop).roe, 1e-12),
        "E12": (target_price(side, entry, roe=roe, leverage=lev, taker_fee_rate=fee), 0),
    }
    for row in range(17, 22):
        e, s, r, lev_row = (ws.cell(row, col).value for col in range(1, 5))
        if s == e:  # the deliberate bad row: the error value along the row, IFERROR's fallback, LIQ_WHY's reason
            out.update({f"E{row}": (ERROR, 0), f"F{row}": (ERROR, 0), f"G{row}": (ERROR, 0), f"H{row}": (0, 0)})
            out[f"I{row}"] = (WHY("the stop equals the entry"), 0)
            continue
        q = position_size(account, r, e, s, taker_fee_rate=fee)
        request = TradeRequest(entry_price=e, leverage=lev_row, quantity=q, side=side, venue=venue, symbol=symbol)
        out[f"E{row}"] = (q, 1e-12 * q)
        out[f"F{row}"] = (calculate(request).liquidation_price, TICK)
        out[f"G{row}"] = (pnl(side, e, s, q, taker_fee_rate=fee), 1e-9)
        out[f"H{row}"] = (q, 1e-12 * q)
        out[f"I{row}"] = ("", 0)  # LIQ_WHY: nothing wrong with this row
    return {(SIZING, ref): value for ref, value in out.items()}


def _cross(ws: Any) -> dict[tuple[str, str], tuple[Any, float]]:
    wallet, venue = ws["B3"].value, ws["B4"].value
    rows = [[ws.cell(row, col).value for col in range(1, 6)] for row in range(7, 10)]
    request = CrossAccountRequest(
        wallet_balance=wallet, venue=venue,
        positions=tuple(CrossPositionInput(symbol=s, side=side, quantity=q, entry_price=e, mark_price=m)
                        for s, side, q, e, m in rows),
    )  # fmt: skip
    result = cross_account(request)
    out: dict[str, tuple[Any, float]] = {}
    for row, (position, values) in enumerate(zip(result.positions, rows, strict=True), start=7):
        price = position.liquidation_price
        out[f"F{row}"] = (_cells.NO_LIQUIDATION if price is None else price, 0)
        out[f"G{row}"] = ("" if price is None else price / values[4] - 1, 1e-12)
    move = result.account_move
    out["F11"] = (move if move is not None else _cells.NO_LIQUIDATION, 1e-12)
    return {(CROSS, ref): value for ref, value in out.items()}


def _review(ws: Any) -> dict[tuple[str, str], tuple[Any, float]]:
    """Each LIQ_REVIEW table: ``core.review_call`` on the sheet's call and settings, laid out row by row."""
    venue, balance, margin, risk_limit, fee = (ws[f"B{row}"].value for row in range(4, 9))
    out: dict[str, tuple[Any, float]] = {}
    block = BLOCK_ROWS["review"]
    for row in ws.iter_rows(min_col=1, max_col=1):
        formula = row[0].value
        if not isinstance(formula, ArrayFormula):
            continue
        assert formula.ref == f"A{row[0].row}:B{row[0].row + block - 1}"  # sized for the largest answer
        match = re.fullmatch(r"=LIQ_REVIEW\(B(\d+)(?::B(\d+))?,B4,B5,B6,B7,B8\)", str(formula.text))
        assert match is not None, formula.text
        first, last = int(match[1]), int(match[2] or match[1])
        text = "\n".join(ws[f"B{r}"].value for r in range(first, last + 1))
        review = review_call(
            parse_trade_call(text), venue=venue, account_balance=balance, margin=margin, risk_limit=risk_limit,
            taker_fee_rate=fee,
        )  # fmt: skip
        rows = _review_rows(review)
        for offset, (label, value) in enumerate(rows):
            out[f"A{row[0].row + offset}"] = (label, 0)
            out[f"B{row[0].row + offset}"] = (value, 0)
        out.update(_padding("AB", row[0].row + len(rows), row[0].row + block - 1))
        out[f"A{row[0].row + block}"] = ("", 0)  # the "more rows" marker: the answer fits
    return {(REVIEW, ref): value for ref, value in out.items()}


def _dca(ws: Any) -> dict[tuple[str, str], tuple[Any, float]]:
    """The LIQ_DCA table: ``core.dca_ladder`` on the sheet's fills and settings, header then one row per fill."""
    leverage, side, venue, symbol, mmr = (ws[f"B{row}"].value for row in range(4, 9))
    assert mmr is None
    anchor = ws["D10"].value
    assert isinstance(anchor, ArrayFormula)
    match = re.fullmatch(r"=LIQ_DCA\(A(\d+):A(\d+),B\1:B\2,B4,B5,B6,B7,B8\)", str(anchor.text))
    assert match is not None, anchor.text
    rows = [(ws[f"A{r}"].value, ws[f"B{r}"].value) for r in range(int(match[1]), int(match[2]) + 1)]
    fills = [(price, quantity) for price, quantity in rows if price is not None]
    assert len(rows) == 25 and len(fills) == 3 and rows[3:] == [(None, None)] * 22  # three fills, then empty rows
    price, quantity = fills[0]
    request = TradeRequest(
        entry_price=price, quantity=quantity, leverage=leverage, side=side, venue=venue, symbol=symbol
    )  # fmt: skip
    out: dict[str, tuple[Any, float]] = {}
    columns = "DEFGHIJKL"
    for col, header in zip(columns, DCA_HEADER, strict=True):
        out[f"{col}10"] = (header, 0)
    steps = dca_ladder(request, fills)
    for row, step in enumerate(steps, start=11):
        liquidation = _cells.NO_LIQUIDATION if step.liquidation_price is None else step.liquidation_price
        note = LIQUIDATED_BEFORE_ADD if step.liquidated_before_fill else ""
        cells = (step.step, step.fill_price, step.fill_quantity, step.total_quantity, step.average_entry, step.margin,
                 liquidation, "" if step.move_from_fill is None else step.move_from_fill, note)  # fmt: skip
        for col, value in zip(columns, cells, strict=True):
            out[f"{col}{row}"] = (value, 0)
    out.update(_padding(columns, 11 + len(steps), 10 + BLOCK_ROWS["dca"] - 1))
    return {(DCA, ref): value for ref, value in out.items()}


def _review_rows(review: CallReview) -> list[tuple[str, Any]]:
    """The LIQ_REVIEW layout (``excel_addin/_review.py``) restated from core's review, for calls with a stop."""
    call = review.call
    assert call.stop_price is not None
    assert review.account_balance is not None
    assert review.risk_amount is not None
    rows: list[tuple[str, Any]] = [
        ("read as", call.summary()), ("side", review.side.value), ("symbol", review.symbol),
        ("venue", review.venue_name),
    ]  # fmt: skip
    if call.entry_low == call.entry_high:
        rows.append(("entry", call.entry_low))
    else:
        rows += [
            ("entry low", call.entry_low),
            ("entry high", call.entry_high),
            ("entry (average)", review.entry_price),
        ]
    rows += [("leverage", review.leverage), ("stop", call.stop_price), ("stop move", review.stop_move)]
    for number, target in enumerate(review.targets, start=1):
        rows += [(f"TP {number}", target.price), (f"TP {number} move", target.move),
                 (f"TP {number} reward:risk", target.reward_risk)]  # fmt: skip
    for mode, card in (("isolated", review.isolated), ("cross", review.cross)):
        assert card is not None
        if card.liquidation_price is None:
            rows += [
                (f"{mode} liquidation", f"{_cells.NO_LIQUIDATION}: {card.no_liquidation_reason}"),
                (f"{mode} move", ""),
            ]
        else:
            rows += [(f"{mode} liquidation", card.liquidation_price), (f"{mode} move", card.move_to_liquidation)]
    for step in review.entry_ladder:  # several entries: the position after each fills
        rows += [
            (f"entry {step.step} fills at", step.fill_price),
            (f"entry {step.step} average entry", step.average_entry),
            (f"entry {step.step} isolated liquidation", step.liquidation_price),
        ]
    assert review.stop_vs_isolated is not None
    assert review.stop_vs_cross is not None
    rows += [
        ("stop vs isolated liquidation", review.stop_vs_isolated.message),
        ("stop vs cross liquidation", review.stop_vs_cross.message),
        ("risk at stop", review.risk_amount), ("risk share of account", review.risk_fraction),
        ("highest safe leverage", review.max_safe_leverage), ("sizing", review.sizing),
        ("position (notional)", review.notional), ("margin", review.margin),
    ]  # fmt: skip
    rows += [("warning", warning.text) for warning in review.warnings]
    rows += [("note", note) for note in review.notes]
    return rows


# --- tests ----------------------------------------------------------------------------------------------


def test_committed_workbook_is_what_the_builder_writes(tmp_path: Path) -> None:
    fresh = openpyxl.load_workbook(build(tmp_path / "fresh.xlsx"))
    committed = openpyxl.load_workbook(OUTPUT)
    assert fresh.sheetnames == committed.sheetnames
    for name in fresh.sheetnames:
        a, b = fresh[name], committed[name]
        cells_a = {c.coordinate: _plain(c.value) for row in a.iter_rows() for c in row if c.value is not None}
        cells_b = {c.coordinate: _plain(c.value) for row in b.iter_rows() for c in row if c.value is not None}
        assert cells_a == cells_b, f"sheet {name!r} differs: run python -m excel_addin.build_workbook"


def _plain(value: Any) -> Any:
    return ("array", value.ref, value.text) if isinstance(value, ArrayFormula) else value


def test_sheets_and_config(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == [
        "Start here", "Trade planner", "Position sizing", "Cross portfolio", "Trade review", "DCA ladder",
        "xlwings.conf",
    ]  # fmt: skip
    assert (book["xlwings.conf"]["A1"].value, book["xlwings.conf"]["B1"].value) == ("UDF Modules", "excel_addin.udfs")
    install = "\n".join(str(c.value) for c in book["Start here"]["A"] if c.value)
    for step in ("xlwings Lite", "Import Functions", "Tools > References", "LIQ_WHY", "make dist"):
        assert step in install
    assert "pip install liqcalc" not in install and 'pip install "liqcalc' not in install  # not on PyPI yet


def test_every_formula_cell_is_checked(book: openpyxl.Workbook) -> None:
    assert formula_cells(book) == set(expected_cells(book))


def test_every_function_is_used(book: openpyxl.Workbook) -> None:
    text = " ".join(
        str(c.value.text if isinstance(c.value, ArrayFormula) else c.value)
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
    )
    assert [name for name in LIQ_FUNCTIONS if f"{name}(" not in text] == []


def test_every_formula_cell_agrees_with_core(book: openpyxl.Workbook, values: dict[tuple[str, str], Any]) -> None:
    mismatches = []
    for key, (expected, tol) in sorted(expected_cells(book).items()):
        got = values.get(key)
        if isinstance(expected, WHY):
            ok = isinstance(got, str) and got.startswith(expected)
        elif isinstance(expected, str) or expected is None:
            ok = got == expected
        else:
            ok = isinstance(got, int | float) and got == pytest.approx(expected, rel=1e-9, abs=tol)
        if not ok:
            mismatches.append(f"{key}: got {got!r}, expected {expected!r} ± {tol}")
    assert mismatches == []


def test_no_cell_holds_nan_or_an_unregistered_name(book: openpyxl.Workbook, values: dict[tuple[str, str], Any]) -> None:
    assert [k for k, v in values.items() if isinstance(v, float) and not math.isfinite(v)] == []
    assert [k for k, v in values.items() if str(v) == "#NAME?"] == []
    expected = expected_cells(book)
    errors = {k for k, v in values.items() if str(v) in (ERROR, NA)}
    assert errors == {k for k, (v, _) in expected.items() if v in (ERROR, NA)}  # the deliberate ones only


def test_a_three_target_review_shows_every_row(values: dict[tuple[str, str], Any]) -> None:
    """Issue 13: the three-target call needs 34 rows; the rows that used to be cut are its warnings."""
    labels = [values.get((REVIEW, f"A{row}")) for row in range(12, 12 + BLOCK_ROWS["review"])]
    answer = [label for label in labels if label != NA]
    assert [label for label in answer if label.startswith("TP ") and label[3:].isdigit()] == ["TP 1", "TP 2", "TP 3"]
    warnings = [values[(REVIEW, f"B{row}")] for row, label in enumerate(labels, start=12) if label == "warning"]
    assert any("you are liquidated first" in text for text in warnings)
    assert len(answer) == 34 and labels[len(answer) :] == [NA] * (BLOCK_ROWS["review"] - len(answer))
    assert values[(REVIEW, f"A{12 + BLOCK_ROWS['review']}")] == ""  # the marker: the answer fits


def test_cached_values_are_what_the_functions_compute(book: openpyxl.Workbook, values: dict[tuple[str, str], Any]):
    """The workbook opens readable before the add-in loads: each formula cell holds the value that the
    functions (evaluated here by the formulas engine) give it."""
    cached = openpyxl.load_workbook(OUTPUT, data_only=True)
    differences = []
    for sheet, ref in sorted(formula_cells(book)):
        got = cached[book.sheetnames[[s.upper() for s in book.sheetnames].index(sheet)]][ref].value
        want = values[(sheet, ref)]
        if want == NA:  # padding past the answer: older Excel shows #N/A there, the saved value is empty
            ok = got in ("", None)
        elif isinstance(want, float):
            ok = isinstance(got, int | float) and got == pytest.approx(want, rel=1e-12, abs=1e-12)
        else:
            ok = got == want or (want == "" and got is None)
        if not ok:
            differences.append(f"{sheet}!{ref}: saved {got!r}, computed {want!r}")
    assert differences == []


def test_tables_are_dynamic_arrays() -> None:
    """Excel 365 and 2021 spill a table formula only when its anchor carries the XLDAPR cell metadata."""
    with zipfile.ZipFile(OUTPUT) as archive:
        names = archive.namelist()
        assert "xl/metadata.xml" in names
        assert 'fDynamic="1"' in archive.read("xl/metadata.xml").decode()
        assert "sheetMetadata" in archive.read("xl/_rels/workbook.xml.rels").decode()
        assert "/xl/metadata.xml" in archive.read("[Content_Types].xml").decode()
        anchors = sum(archive.read(n).decode().count('cm="1"><f t="array"') for n in names if "worksheets" in n)
    book = openpyxl.load_workbook(OUTPUT)
    arrays = sum(isinstance(c.value, ArrayFormula) for ws in book.worksheets for row in ws.iter_rows() for c in row)
    assert anchors == arrays > 10


def test_excel_does_not_recalculate_on_open() -> None:
    """Excel shows the saved answers until the functions load only when the file asks for no full
    recalculation on open and names a current calculation engine (191029: Excel 2016 to 365)."""
    with zipfile.ZipFile(OUTPUT) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
    assert '<calcPr calcId="191029" fullCalcOnLoad="0" />' in workbook


def test_harness_aliases_errors_and_ranges(tmp_path: Path) -> None:
    """Office.js saves functions as _xldudf_…; a bad row is an Excel error; unknown names fail."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"], ws["A2"], ws["A3"] = 50000, "abc", 60000
    ws["B1"] = '=_xldudf_LIQ_PRICE(A1,"long",10,1000)'
    ws["B2"] = '=ISERROR(LIQ_PRICE(A2,"long",10,1000))'
    ws["B3"] = '=IFERROR(LIQ_PRICE(A1,"long",10,1000)*2,-1)'
    ws["B4"] = "=LIQ_NOPE(A1)"
    ws["B5"] = '=IFERROR(LIQ_PRICE(A2,"long",10,1000),"fallback")'
    ws["B6"] = '=SUM(LIQ_PRICE(A1:A3,"long",10,1000))'
    ws["B7"] = '=LIQ_WHY("LIQ_PRICE",A2,"long",10,1000)'
    ws["B8"] = '=MIN(LIQ_PRICE(A1:A3,"long",10,1000))'
    ws["C1"] = ArrayFormula("C1:C3", '=LIQ_PRICE(A1:A3,"long",10,1000)')
    ws["D1"] = ArrayFormula("D1:D3", '=IFERROR(LIQ_PRICE(A1:A3,"long",10,1000),0)')
    ws["E1"] = '=LIQ_PRICE(A1,"long",10,1000,,,,,,)'
    ws["F1"] = ArrayFormula("F1:F3", '=LIQ_WHY("price",A1:A3,"long",10,1000)')
    path = tmp_path / "harness.xlsx"
    wb.save(path)
    with registered() as names:
        assert "_XLDUDF_LIQ_PRICE" in names
        got = evaluate(path)
    sheet = ws.title.upper()
    assert got[(sheet, "B1")] == 45_250.0
    assert got[(sheet, "B2")] is True or got[(sheet, "B2")] == 1  # ISERROR sees the bad row
    assert got[(sheet, "B3")] == 90_500.0
    assert str(got[(sheet, "B4")]) == "#NAME?"
    assert got[(sheet, "B5")] == "fallback"  # IFERROR over a bad row returns its fallback (issue 13, done when)
    assert got[(sheet, "B6")] == ERROR  # SUM does not skip it: it is an error, not text
    assert got[(sheet, "B7")].startswith("entry 'abc' is not a number; type a price like 50000")
    assert got[(sheet, "B8")] == ERROR
    assert got[(sheet, "C1")] == 45_250.0
    assert got[(sheet, "C2")] == ERROR
    assert got[(sheet, "C3")] == pytest.approx(54_300.0, abs=1e-9)  # 60,000·(1 − 0.1 + 0.005)
    assert [got[(sheet, f"D{r}")] for r in (1, 2)] == [45_250.0, 0]  # the other rows still compute
    assert got[(sheet, "E1")] == 45_250.0  # omitted arguments arrive as None: "not given"
    assert [got[(sheet, f"F{r}")] for r in (1, 3)] == ["", ""]
    assert got[(sheet, "F2")].startswith("entry 'abc' is not a number")


def test_the_more_rows_marker_shows_when_an_answer_outgrows_its_block(tmp_path: Path) -> None:
    """The builder's marker formula under a block 20 rows tall: a 34-row review does not fit."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "BTC long 50000 25x SL 47000 TP 54000 / 56000 / 58000"
    review = 'LIQ_REVIEW(A1,"binance",10000)'
    for ref, block in (("B1", 20), ("B2", 60)):
        ws[ref] = f'=IF(ISERROR(INDEX({review},{block + 1},1)),"","{MORE_ROWS}")'
    path = tmp_path / "marker.xlsx"
    wb.save(path)
    with registered():
        got = evaluate(path)
    sheet = ws.title.upper()
    assert (got[(sheet, "B1")], got[(sheet, "B2")]) == (MORE_ROWS, "")
