"""Write the sample workbook ``excel_addin/LiquidationPlanner.xlsx`` (committed; rebuild after changes).

Usage::

    python -m excel_addin.build_workbook [output.xlsx]

Sheets: "Start here" (how to install the functions for both runtimes, and how to read the answers),
"Trade planner" (one trade: card, isolated vs cross, stop check, funding, tiers), "Position sizing"
(size from risk and stop, safe leverage, PnL, target, several setups at once), "Cross portfolio"
(several positions in one wallet), "Trade review" (posted trade calls reviewed: stop vs liquidation,
risk, reward:risk), "DCA ladder" (an isolated position built in adds), and "xlwings.conf" (classic
xlwings reads ``UDF Modules`` from it). Yellow cells are inputs; every result is a ``LIQ_…`` formula.

How the file reads before and after the functions load:

* **Cached values.** Every formula cell carries the value the functions give for the sheet's inputs
  (:mod:`excel_addin.udfs`, computed here on the bundled snapshot, market data off), so the workbook
  opens readable before the add-in loads instead of showing ``#NAME?``.
* **Tables spill.** Table formulas are written as dynamic arrays (the ``XLDAPR`` cell metadata Excel
  365 and 2021 write): where Excel has dynamic arrays they spill to whatever size the answer has.
  Older Excel shows the same formula as a fixed array over its saved area, so each table's area is
  sized for the largest answer its block allows (``BLOCK_ROWS``; the unused rows show ``#N/A`` there),
  and a visible "… more rows: widen the block" marker follows any block an answer could outgrow.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import sys
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.workbook.properties import CalcProperties
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from excel_addin import udfs
from excel_addin._errors import ERROR

__all__ = ["BLOCK_ROWS", "MORE_ROWS", "OUTPUT", "REVIEW_CALLS", "build", "main"]

OUTPUT = Path(__file__).with_name("LiquidationPlanner.xlsx")
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
TITLE = Font(bold=True, size=14)
BOLD = Font(bold=True)
NOTE = Font(italic=True, color="666666")
PRICE = "#,##0.00"
AMOUNT = "#,##0.00"
PERCENT = "0.00%"
QUANTITY = "0.000000"
FIXED_TIME = dt.datetime(2026, 1, 1)  # stable document properties: rebuilding changes only what changed
MORE_ROWS = "… more rows: widen the block"
BLOCK_ROWS = {
    # the largest answer each block shows in full (older Excel; dynamic arrays spill to any size)
    "review": 60,  # a call with 2 entries, 5 targets, 3 warnings and 3 notes needs 49 rows
    "tiers": 40,  # header, up to 38 brackets, the dated source line
    "dca": 26,  # header and LIQ_DCA's most fills (25)
}
DCA_FILL_ROWS = 25

INSTALL_TEXT = """\
Start here: install the LIQ_ functions
This workbook calls liqcalc's LIQ_ functions. It opens with the answers saved for its sample inputs;
to recalculate them after you change a yellow cell, load the functions one of two ways.

Option A - xlwings Lite (Microsoft 365 or Office 2021+ on Windows, Mac or the web; no Python install)
1. In Excel: Home > Add-ins (or Insert > Get Add-ins), search for "xlwings Lite" and add it.
2. Open this workbook, then open xlwings Lite from the Home tab.
3. In the editor's requirements.txt, put four lines: xlwings==0.37.8, the liqcalc wheel link
   (https://YOUR-BOT-HOST/liqcalc-0.1.0-py3-none-any.whl: the liqcalc bot serves it, see the README;
   liqcalc is not on PyPI yet, so never type just liqcalc), numpy, pydantic.
4. In main.py, put the one line: from excel_addin.udfs import *
5. Click Restart, wait until the functions load, then press Ctrl+Alt+F9 to recalculate.
   A cell that still shows #NAME?: select it (a table: its top-left cell), press F2, then Enter.

Option B - classic xlwings (Windows with a local Python)
1. In a terminal: pip install "C:\\path\\to\\liqcalc-0.1.0-py3-none-any.whl[excel]" (the wheel that
   make dist builds; never type just "liqcalc"), then: xlwings addin install
2. Excel: File > Options > Trust Center > Trust Center Settings > Macro Settings: tick
   "Trust access to the VBA project object model".
3. Save this workbook as .xlsm (File > Save As > Excel Macro-Enabled Workbook).
4. Press Alt+F11 (the VBA editor) > Tools > References: tick "xlwings", click OK.
5. The sheet xlwings.conf already says UDF Modules = excel_addin.udfs. If Python is not found,
   set Interpreter on the xlwings ribbon tab to the python.exe that has liqcalc.
6. xlwings tab > Import Functions. Then press Ctrl+Alt+F9.

Reading the answers
- A number is the answer. #VALUE! means that row's inputs are wrong: LIQ_WHY with the function's name
  and the same arguments says what and what to type, e.g. =LIQ_WHY("LIQ_PRICE", B4, B5, B6, B7).
  IFERROR(..., fallback) catches it like any Excel error.
- "no liquidation: ..." means no price above 0 liquidates the position.
- Rates are fractions: type 0.5% (or 0.005) for an MMR of half a percent, never 0.5.
- Give whole columns to a function (A2:A500) to price many rows in one fast call.
- Empty cells mean "not given": an empty MMR uses the exchange's tier table, not 0 %.
- Tables spill in Excel 365 and 2021. In older Excel, a table that outgrows its block says
  "more rows: widen the block": select a taller area, type the formula, press Ctrl+Shift+Enter.
- The tier tables are dated snapshots: check the exchange before you trade.
"""


def build(path: Path = OUTPUT) -> Path:
    """Write the sample workbook to ``path`` and return it."""
    with _market_off():
        book = Workbook()
        start = book.active
        assert start is not None
        start.title = "Start here"
        _start_here(start)
        cached = _Cache()
        _trade_planner(cached.sheet(book.create_sheet("Trade planner")))
        _position_sizing(cached.sheet(book.create_sheet("Position sizing")))
        _cross_portfolio(cached.sheet(book.create_sheet("Cross portfolio")))
        _trade_review(cached.sheet(book.create_sheet("Trade review")))
        _dca_ladder(cached.sheet(book.create_sheet("DCA ladder")))
        conf = book.create_sheet("xlwings.conf")
        conf["A1"], conf["B1"] = "UDF Modules", "excel_addin.udfs"
        # no recalculation on open: Excel shows the saved answers until the functions are loaded (openpyxl's
        # default, fullCalcOnLoad with an old calcId, would recalculate every cell to #NAME? at once)
        book.calculation = CalcProperties(calcId=191029, fullCalcOnLoad=False)
        book.properties.creator = "liqcalc"
        book.properties.title = "liqcalc liquidation planner"
        book.properties.created = FIXED_TIME
        book.properties.modified = FIXED_TIME
        book.save(path)
    _write_cached_values(path, book, cached)
    return path


@contextmanager
def _market_off() -> Iterator[None]:
    """Cached values from the bundled snapshot, never from whatever market cache this machine has."""
    saved = os.environ.get("LIQCALC_MARKET_DB")
    os.environ["LIQCALC_MARKET_DB"] = "off"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("LIQCALC_MARKET_DB", None)
        else:
            os.environ["LIQCALC_MARKET_DB"] = saved


# --- sheets ---------------------------------------------------------------------------------------------


def _start_here(ws: Worksheet) -> None:
    for row, line in enumerate(INSTALL_TEXT.splitlines(), start=1):
        cell = ws.cell(row, 1, line or None)
        if row == 1:
            cell.font = TITLE
        elif line.startswith(("Option", "Reading")):
            cell.font = BOLD
    ws.column_dimensions["A"].width = 110


def _trade_planner(sheet: _Sheet) -> None:
    ws = sheet.ws
    _title(ws, "Trade planner", "One trade on one exchange's rules. Yellow cells are inputs.")
    _inputs(
        ws,
        4,
        [
            ("Entry price (USDT)", 50000, PRICE),
            ("Side", "long", None),
            ("Leverage", 10, "0.##"),
            ("Margin (USDT)", 1000, AMOUNT),
            ("Quantity (coins; empty: from the margin)", None, QUANTITY),
            ("Exchange", "binance", None),
            ("Symbol", "BTC", None),
            ("Wallet balance (USDT; cross)", 10000, AMOUNT),
            ("MMR override (empty: tiers)", None, PERCENT),
            ("Margin mode", "isolated", None),
            ("Stop loss (USDT)", 48000, PRICE),
            ("Funding rate per 8 h", 0.0001, "0.000%"),
            ("Funding periods", 21, "0"),
        ],
    )
    trade = "B4,B5,B6,B7,B8,B9,B10,B11,B12,B13"
    _outputs(
        sheet,
        4,
        [
            ("Liquidation price", f"=LIQ_PRICE({trade})", PRICE),
            ("Bankruptcy price", f"=LIQ_BANKRUPTCY({trade})", PRICE),
            ("Move to liquidation", f"=LIQ_DISTANCE({trade})", PERCENT),
            ("Initial margin", f"=LIQ_INITIAL_MARGIN({trade})", AMOUNT),
            ("Maintenance margin at entry", f"=LIQ_MAINT_MARGIN({trade})", AMOUNT),
            ("Most you can lose", f"=LIQ_MAX_LOSS({trade})", AMOUNT),
            ("Stop check", f"=LIQ_STOP_CHECK(B14,{trade})", None),
            ("Liquidation after the funding periods", f"=LIQ_FUNDING(B15,B16,{trade})", PRICE),
        ],
    )
    ws["D13"] = "Textbook formula: LIQ_PRICE"
    sheet.formula("E13", '=LIQ_PRICE(B4,B5,B6,B7,,"textbook")', PRICE)
    ws["D14"] = "Textbook formula in plain Excel"
    textbook = 50000 * (1 - 1 / 10 + 0.005)
    sheet.formula("E14", '=IF(LEFT(LOWER(B5),1)="l",B4*(1-1/B6+0.005),B4*(1+1/B6-0.005))', PRICE, value=textbook)
    ws["D15"] = "One-liner: long | short"
    sheet.table("E15", '=LIQ_TEXT("50000 10x 1000 isolated")', formats=[PRICE, PRICE])
    ws["D16"] = "Live mark price (classic xlwings; Lite: type it)"
    sheet.formula("E16", "=LIQ_MARK(B10,B9)", PRICE)
    ws["D17"] = "Why that cell shows #VALUE! (LIQ_WHY)"
    sheet.formula("E17", '=LIQ_WHY("LIQ_MARK",B10,B9)', None)
    ws["D19"] = "Isolated vs cross for the wallet balance"
    ws["D19"].font = BOLD
    compare_formats = [None, PRICE, PERCENT, PRICE, AMOUNT, "0.00"]
    sheet.table("D20", "=LIQ_COMPARE(B4,B5,B6,B7,B8,B9,B10,B11,B12)", row_formats=compare_formats)
    ws["A28"] = "The exchange's tier table for the symbol"
    ws["A28"].font = BOLD
    tier_formats = ["0", "#,##0", "#,##0", "0.00%", "0", "#,##0"]
    sheet.table("A29", "=LIQ_TIERS(B9,B10)", rows=BLOCK_ROWS["tiers"], formats=tier_formats)
    _widths(ws, {"A": 38, "B": 14, "C": 14, "D": 40, "E": 16, "F": 16})


def _position_sizing(sheet: _Sheet) -> None:
    ws = sheet.ws
    _title(ws, "Position sizing", "Size from the risk you accept at the stop, then the leverage that keeps it safe.")
    _inputs(
        ws,
        4,
        [
            ("Entry price (USDT)", 50000, PRICE),
            ("Side", "long", None),
            ("Stop loss (USDT)", 48500, PRICE),
            ("Account balance (USDT)", 10000, AMOUNT),
            ("Risk per trade", 0.01, PERCENT),
            ("Exchange", "binance", None),
            ("Symbol", "BTC", None),
            ("Taker fee", 0.0005, "0.000%"),
            ("Target ROE", 0.5, PERCENT),
        ],
    )
    _outputs(
        sheet,
        4,
        [
            ("Position size (coins)", "=LIQ_SIZE(B4,B6,B7,B8,B11)", QUANTITY),
            ("Notional (USDT)", "=E4*B4", AMOUNT),
            ("Highest safe leverage", "=LIQ_MAX_LEVERAGE(B4,B5,B6,E4,B9,B10,,,B11)", "0.00"),
            ("Leverage to use (rounded down)", "=ROUNDDOWN(E6,0)", "0"),
            ("Liquidation price at that leverage", "=LIQ_PRICE(B4,B5,E7,,E4,B9,B10)", PRICE),
            ("Stop check", "=LIQ_STOP_CHECK(B6,B4,B5,E7,,E4,B9,B10)", None),
            ("PnL if the stop fills", "=LIQ_PNL(B4,B5,B6,E4,B11)", AMOUNT),
            ("ROE if the stop fills", "=LIQ_ROE(B4,B5,B6,E7,B11)", PERCENT),
            ("Exit price for the target ROE", "=LIQ_TARGET_PRICE(B4,B5,B12,E7,B11)", PRICE),
        ],
        values={"E5": lambda: sheet.value("E4") * sheet.value("B4"), "E7": lambda: math.floor(sheet.value("E6"))},
    )
    ws["A15"] = "Several setups at once: one formula per column prices every row in one call"
    ws["A15"].font = BOLD
    header = ["Entry", "Stop", "Risk", "Leverage", "Size (coins)", "Liquidation price", "PnL at the stop",
              "Size, or 0 (IFERROR)", "Why (LIQ_WHY)"]  # fmt: skip
    for col, text in enumerate(header, start=1):
        ws.cell(16, col, text).font = BOLD
    setups = [(50000, 48500, 0.01, 20), (50000, 49000, 0.02, 25), (3000, 2850, 0.01, 10),
              (60000, 60000, 0.01, 10), (150, 140, 0.005, 5)]  # fmt: skip
    for row, values in enumerate(setups, start=17):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col, value)
            cell.fill = INPUT_FILL
            cell.number_format = PERCENT if col == 3 else PRICE if col < 3 else "0"
    first, last = 17, 16 + len(setups)
    a, b, c, d, e = (f"{col}{first}:{col}{last}" for col in "ABCDE")
    sheet.table(f"E{first}", f"=LIQ_SIZE({a},{b},B7,{c},B11)", formats=[QUANTITY])
    sheet.table(f"F{first}", f"=LIQ_PRICE({a},B5,{d},,{e},B9,B10)", formats=[PRICE])
    sheet.table(f"G{first}", f"=LIQ_PNL({a},B5,{b},{e},B11)", formats=[AMOUNT])
    sizes = sheet.grid(f"E{first}:E{last}")
    sheet.table(f"H{first}", f"=IFERROR(LIQ_SIZE({a},{b},B7,{c},B11),0)", formats=[QUANTITY],
                value=[[0 if row[0] == ERROR else row[0]] for row in sizes])  # fmt: skip
    sheet.table(f"I{first}", f'=LIQ_WHY("LIQ_SIZE",{a},{b},B7,{c},B11)')
    ws[f"A{last + 1}"] = (
        "Row 4 is wrong on purpose (stop = entry): its cells show #VALUE!, LIQ_WHY says why, IFERROR gives 0, "
        "and the other rows still compute."
    )
    ws[f"A{last + 1}"].font = NOTE
    _widths(ws, {"A": 34, "B": 14, "C": 12, "D": 36, "E": 16, "F": 18, "G": 16, "H": 20, "I": 60})


def _cross_portfolio(sheet: _Sheet) -> None:
    ws = sheet.ws
    _title(ws, "Cross portfolio", "Several positions sharing one wallet: each price holds the others at their marks.")
    _inputs(ws, 3, [("Wallet balance (USDT)", 20000, AMOUNT), ("Exchange", "binance", None)])
    header = ["Symbol", "Side", "Quantity (coins)", "Entry", "Mark", "Liquidation price", "Move from mark"]
    for col, text in enumerate(header, start=1):
        ws.cell(6, col, text).font = BOLD
    positions = [("BTC", "long", 0.5, 60000, 59000), ("ETH", "short", 5, 3000, 2900),
                 ("SOL", "long", 100, 150, 140)]  # fmt: skip
    for row, values in enumerate(positions, start=7):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col, value)
            cell.fill = INPUT_FILL
            if col >= 4:
                cell.number_format = PRICE
    last = 6 + len(positions)
    sheet.table("F7", f"=LIQ_CROSS(A7:E{last},B3,B4)", formats=[PRICE])
    for row in range(7, last + 1):
        price, mark = sheet.value(f"F{row}"), ws[f"E{row}"].value
        move = price / mark - 1 if isinstance(price, float) else ""
        sheet.formula(f"G{row}", f'=IF(ISNUMBER(F{row}),F{row}/E{row}-1,"")', PERCENT, value=move)
    ws[f"A{last + 2}"] = "Account-wide move that liquidates the wallet"
    ws[f"A{last + 2}"].font = BOLD
    sheet.formula(f"F{last + 2}", f"=LIQ_CROSS_MOVE(A7:E{last},B3,B4)", PERCENT)
    ws[f"A{last + 3}"] = "(every mark moved by the same %, all at once)"
    ws[f"A{last + 3}"].font = NOTE
    ws[f"A{last + 5}"] = "More positions: add rows above row 10 (insert rows) so the ranges grow with them."
    ws[f"A{last + 5}"].font = NOTE
    _widths(ws, {"A": 16, "B": 14, "C": 16, "D": 14, "E": 14, "F": 18, "G": 16})


REVIEW_CALLS = (
    ("Call 1: three targets", ("BTC long 50000 25x SL 47000 TP 54000 / 56000 / 58000",)),
    ("Call 2: the stop is beyond the liquidation price", ("ETH short 3000 50x SL 3100 TP 2800",)),
    (
        "Call 3: a signal pasted one line per cell",
        ("#SOL/USDT", "Signal Type: Regular (Long)", "Leverage: Cross 20x", "Entry Targets: 1) 140 2) 150",
         "Take-Profit Targets: 1) 160 2) 170", "Stop Targets: 1) 132"),
    ),
)  # fmt: skip


def _trade_review(sheet: _Sheet) -> None:
    ws = sheet.ws
    _title(
        ws,
        "Trade review",
        "A trade call as posted in a group, reviewed: is the stop before liquidation, what is at risk.",
    )
    settings = [
        ("Exchange", "binance", None),
        ("Account balance (USDT; empty: no cross, no risk share)", 10000, AMOUNT),
        ("Margin (USDT; empty: sized from the risk limit)", None, AMOUNT),
        ("Risk limit per trade (empty: 2%)", 0.02, PERCENT),
        ("Taker fee", 0.0005, "0.000%"),
    ]
    _inputs(ws, 4, settings)
    options = "B4,B5,B6,B7,B8"
    row = 10
    block = BLOCK_ROWS["review"]
    for title, lines in REVIEW_CALLS:
        ws.cell(row, 1, title).font = BOLD
        for offset, line in enumerate(lines):
            ws.cell(row + offset, 2, line).fill = INPUT_FILL
        text = f"B{row}" if len(lines) == 1 else f"B{row}:B{row + len(lines) - 1}"
        row += len(lines) + 1
        formula = f"LIQ_REVIEW({text},{options})"
        sheet.table(f"A{row}", f"={formula}", rows=block)
        for offset, (label, _) in enumerate(sheet.grid(f"A{row}:B{row + block - 1}")):
            cell = ws.cell(row + offset, 2)
            cell.alignment = Alignment(horizontal="left")
            cell.number_format = _review_format(str(label))
        sheet.more_rows(f"A{row + block}", formula, block)
        row += block + 3
    ws[f"A{row - 1}"] = "Moves and the risk share are fractions of the entry price and of the account, shown as %."
    ws[f"A{row - 1}"].font = NOTE
    _widths(ws, {"A": 46, "B": 90})


DCA_FILLS = ((50000, 0.1), (48000, 0.1), (46000, 0.2))
DCA_FORMATS = ["0", PRICE, QUANTITY, QUANTITY, PRICE, AMOUNT, PRICE, PERCENT, None]


def _dca_ladder(sheet: _Sheet) -> None:
    ws = sheet.ws
    _title(
        ws,
        "DCA ladder",
        "An isolated position built in adds: each fill brings price x quantity / leverage of margin; "
        "the table shows the average entry, margin and liquidation price after every fill.",
    )
    settings = [
        ("Leverage", 10, "0.##"),
        ("Side", "long", None),
        ("Exchange", "binance", None),
        ("Symbol", "BTC", None),
        ("MMR override (empty: tiers)", None, PERCENT),
    ]
    _inputs(ws, 4, settings)
    first = 11
    last = first + DCA_FILL_ROWS - 1
    ws.cell(first - 1, 1, "Fill price (USDT)").font = BOLD
    ws.cell(first - 1, 2, "Fill quantity (coins)").font = BOLD
    for row in range(first, last + 1):
        price, quantity = DCA_FILLS[row - first] if row - first < len(DCA_FILLS) else (None, None)
        for col, value, fmt in ((1, price, PRICE), (2, quantity, QUANTITY)):
            cell = ws.cell(row, col, value)
            cell.fill = INPUT_FILL
            cell.number_format = fmt
    anchor = first - 1  # the header lines up with the fills' header, each step with its fill
    sheet.table(f"D{anchor}", f"=LIQ_DCA(A{first}:A{last},B{first}:B{last},B4,B5,B6,B7,B8)",
                rows=BLOCK_ROWS["dca"], formats=DCA_FORMATS)  # fmt: skip
    for col in range(4, 13):
        ws.cell(anchor, col).font = BOLD
    ws[f"A{last + 2}"] = f"Type up to {DCA_FILL_ROWS} fills in the yellow rows, in order; empty rows are ignored."
    ws[f"A{last + 2}"].font = NOTE
    _widths(ws, {"A": 30, "B": 20, "C": 4, "D": 6, "E": 12, "F": 10, "G": 10, "H": 12, "I": 12, "J": 12, "K": 14,
                 "L": 26})  # fmt: skip


def _review_format(label: str) -> str:
    """The number format for a LIQ_REVIEW row (text rows ignore it)."""
    if label.endswith("move") or label == "risk share of account":
        return PERCENT
    if label.endswith(("reward:risk", "leverage")):
        return "0.00"
    if label in ("risk at stop", "position (notional)", "margin"):
        return AMOUNT
    return PRICE


# --- formulas with their cached values ----------------------------------------------------------------


class _Cache:
    """The value of every formula cell, by sheet title and cell, as the functions compute it."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], Any] = {}
        self.dynamic: set[tuple[str, str]] = set()  # anchors of the spilled (dynamic-array) formulas

    def sheet(self, ws: Worksheet) -> _Sheet:
        return _Sheet(ws, self)


class _Sheet:
    """One sheet being written: formulas go in with the value they compute to."""

    def __init__(self, ws: Worksheet, cache: _Cache) -> None:
        self.ws = ws
        self.cache = cache

    def value(self, ref: str) -> Any:
        """A cell as a formula sees it: the cached value of a formula cell, the input otherwise (empty: None)."""
        key = (self.ws.title, ref)
        if key in self.cache.values:
            return self.cache.values[key]
        value = self.ws[ref].value
        return None if isinstance(value, ArrayFormula) or value == "" else value

    def grid(self, area: str) -> list[list[Any]]:
        """A range as xlwings hands it over with ``ndim=2``: a 2-D list, None for empty cells."""
        min_col, min_row, max_col, max_row = range_boundaries(area)
        return [[self.value(f"{get_column_letter(c)}{r}") for c in range(min_col, max_col + 1)]
                for r in range(min_row, max_row + 1)]  # fmt: skip

    def formula(self, ref: str, formula: str, fmt: str | None, *, value: Any = None) -> None:
        """A one-cell formula; its value computed by the LIQ_ function unless given."""
        result = self._evaluate(formula) if value is None else [[value]]
        self.ws[ref] = formula
        self.cache.values[(self.ws.title, ref)] = result[0][0]
        if fmt:
            self.ws[ref].number_format = fmt

    def table(
        self, anchor: str, formula: str, *, rows: int | None = None, formats: Sequence[str | None] = (),
        row_formats: Sequence[str | None] = (), value: list[list[Any]] | None = None,
    ) -> None:  # fmt: skip
        """A spilled table at ``anchor``: its area is the answer, or ``rows`` tall when given (older Excel)."""
        result = self._evaluate(formula) if value is None else value
        height = max(rows or 0, len(result))
        width = len(result[0])
        first_col, row = self.ws[anchor].column, self.ws[anchor].row
        end = f"{get_column_letter(first_col + width - 1)}{row + height - 1}"
        for i in range(height):
            for j in range(width):
                ref = f"{get_column_letter(first_col + j)}{row + i}"
                cell_value = result[i][j] if i < len(result) else ""
                self.cache.values[(self.ws.title, ref)] = cell_value
                fmt = formats[j] if j < len(formats) else row_formats[i] if i < len(row_formats) else None
                if fmt:
                    self.ws[ref].number_format = fmt
                if (i, j) != (0, 0):
                    self.ws[ref] = cell_value  # how Excel stores an array's other cells: their values
        self.ws[anchor] = ArrayFormula(f"{anchor}:{end}", formula)
        self.cache.dynamic.add((self.ws.title, anchor))

    def more_rows(self, ref: str, formula: str, block: int) -> None:
        """The marker under a block: empty while the answer fits, "… more rows" when it does not."""
        rows = len(self._evaluate(f"={formula}"))
        # INDEX past the last row is #REF!: portable where ROWS(of a function's answer) is not (the formulas engine)
        marker = f'=IF(ISERROR(INDEX({formula},{block + 1},1)),"","{MORE_ROWS}")'
        self.formula(ref, marker, None, value=MORE_ROWS if rows > block else "")
        self.ws[ref].font = NOTE

    def _evaluate(self, formula: str) -> list[list[Any]]:
        """``=LIQ_NAME(arg, …)`` or ``=IFERROR(LIQ_NAME(…),x)``: call the function with the cells' values."""
        match = re.fullmatch(r"=(LIQ_[A-Z_]+)\((.*)\)", formula)
        if match is None:
            raise ValueError(f"no cached value for {formula!r}: give it with value=")
        function: Callable[..., list[list[Any]]] = getattr(udfs, match[1])
        return function(*(self._argument(text) for text in _split_arguments(match[2])))

    def _argument(self, text: str) -> Any:
        text = text.strip()
        if not text:
            return None
        if text.startswith('"'):
            return text[1:-1].replace('""', '"')
        if re.fullmatch(r"[A-Z]+\d+:[A-Z]+\d+", text):
            return self.grid(text)
        if re.fullmatch(r"[A-Z]+\d+", text):
            return [[self.value(text)]]
        return float(text)


def _split_arguments(text: str) -> list[str]:
    """Split a formula's arguments at the commas outside quotes (LIQ_ calls nest no calls)."""
    parts, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


# --- cached values and dynamic arrays in the saved file ---------------------------------------------------

_METADATA = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<metadata xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:xda="http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray"><metadataTypes count="1">'
    '<metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" merge="1" '
    'splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/>'
    '</metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    '<ext uri="{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/>'
    '</ext></extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata>'
    "</metadata>"
)
_METADATA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
_METADATA_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"
_FORMULA_CELL = re.compile(r'<c r="(?P<ref>[A-Z]+\d+)"(?P<attrs>[^>]*)><f(?P<f>[^>]*)>(?P<text>.*?)</f><v\s*/>')


def _write_cached_values(path: Path, book: Workbook, cache: _Cache) -> None:
    """Put each formula's cached value into the saved file, and mark the tables as dynamic arrays.

    openpyxl writes formulas without values (``<v/>``) and knows no dynamic arrays, so the saved parts
    are completed here the way Excel 365 writes them: ``<v>`` with ``t="str"``/``"e"``/``"b"`` for text,
    errors and booleans, ``cm="1"`` on each spilled table's anchor, and the ``xl/metadata.xml`` part.
    """
    sheet_parts = {f"xl/worksheets/sheet{i}.xml": ws.title for i, ws in enumerate(book.worksheets, start=1)}
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    for part, title in sheet_parts.items():

        def complete(match: re.Match[str], title: str = title) -> str:
            key = (title, match["ref"])
            kind, text = _cached_xml(cache.values[key])
            attrs = match["attrs"] + (f' t="{kind}"' if kind else "") + (' cm="1"' if key in cache.dynamic else "")
            return f'<c r="{match["ref"]}"{attrs}><f{match["f"]}>{match["text"]}</f><v>{text}</v>'

        parts[part] = _FORMULA_CELL.sub(complete, parts[part].decode("utf-8")).encode("utf-8")
    parts["xl/metadata.xml"] = _METADATA.encode("utf-8")
    types = parts["[Content_Types].xml"].decode("utf-8")
    override = f'<Override PartName="/xl/metadata.xml" ContentType="{_METADATA_TYPE}"/>'
    parts["[Content_Types].xml"] = types.replace("</Types>", f"{override}</Types>").encode("utf-8")
    rels = parts["xl/_rels/workbook.xml.rels"].decode("utf-8")
    relation = f'<Relationship Type="{_METADATA_REL}" Target="metadata.xml" Id="rIdLiqcalcMetadata"/>'
    parts["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>", f"{relation}</Relationships>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)


def _cached_xml(value: Any) -> tuple[str, str]:
    """A cached value as (the cell's ``t`` attribute, the ``<v>`` text)."""
    if isinstance(value, bool):
        return "b", "1" if value else "0"
    if isinstance(value, int | float):
        return "", repr(float(value)) if isinstance(value, float) else str(value)
    if value == ERROR:
        return "e", ERROR
    return "str", escape(str(value))


# --- helpers ----------------------------------------------------------------------------------------------


def _title(ws: Worksheet, title: str, note: str) -> None:
    ws["A1"] = title
    ws["A1"].font = TITLE
    ws["A2"] = note
    ws["A2"].font = NOTE


def _inputs(ws: Worksheet, first_row: int, rows: Sequence[tuple[str, Any, str | None]]) -> None:
    for row, (label, value, fmt) in enumerate(rows, start=first_row):
        ws.cell(row, 1, label)
        cell = ws.cell(row, 2, value)
        cell.fill = INPUT_FILL
        if fmt:
            cell.number_format = fmt


def _outputs(
    sheet: _Sheet, first_row: int, rows: Sequence[tuple[str, str, str | None]],
    values: dict[str, Callable[[], Any]] | None = None,
) -> None:  # fmt: skip
    for row, (label, formula, fmt) in enumerate(rows, start=first_row):
        sheet.ws.cell(row, 4, label)
        ref = f"E{row}"
        given = (values or {}).get(ref)
        sheet.formula(ref, formula, fmt, value=given() if given else None)
        sheet.ws[ref].alignment = Alignment(horizontal="right")


def _widths(ws: Worksheet, widths: dict[str, float]) -> None:
    for column, width in widths.items():
        ws.column_dimensions[column].width = width


def main(argv: Sequence[str] | None = None) -> int:
    """Build the workbook at the given path (default: the committed one) and say where."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = build(Path(args[0]) if args else OUTPUT)
    sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
