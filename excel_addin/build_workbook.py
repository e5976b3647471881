"""Write the sample workbook ``excel_addin/LiquidationPlanner.xlsx`` (committed; rebuild after changes).

Usage::

    python -m excel_addin.build_workbook [output.xlsx]

Sheets: "Trade planner" (one trade: card, isolated vs cross, stop check, funding, tiers),
"Position sizing" (size from risk and stop, safe leverage, PnL, target, several setups at once),
"Cross portfolio" (several positions in one wallet), "Trade review" (posted trade calls reviewed:
stop vs liquidation, risk, reward:risk), "DCA ladder" (an isolated position built in adds: average
entry, margin and liquidation after each fill), "How to install", and "xlwings.conf" (classic xlwings reads
``UDF Modules`` from it). Every result is a ``LIQ_…`` formula; tables that spill are
written as array formulas over their exact size, which every Excel (classic or Office.js) evaluates.
Yellow cells are inputs.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.worksheet import Worksheet

from excel_addin import _cells, _dca, _review

__all__ = ["OUTPUT", "build", "main"]

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

INSTALL_TEXT = """\
How to install the LIQ_ functions
These sheets call liqcalc's LIQ_ functions. Until the functions are loaded, the cells show #NAME?.

Option A - xlwings Lite (Windows, Mac, Excel on the web; no Python install)
1. In Excel: Home > Add-ins (or Insert > Get Add-ins), search for "xlwings Lite" and add it.
2. Open this workbook, then open xlwings Lite from the Home tab.
3. In the editor's requirements.txt, put: xlwings==0.37.8, the liqcalc wheel link, numpy, pydantic.
4. In main.py, paste the text of excel_addin/udfs.py (or the one line: from excel_addin.udfs import *).
5. Click Restart, wait until the functions load, then press Ctrl+Alt+F9 to recalculate.
6. A cell still showing #NAME?: select it, press F2, then Enter.

Option B - classic xlwings (Windows with a local Python)
1. In a terminal: pip install "C:\\path\\to\\liqcalc-0.1.0-py3-none-any.whl[excel]" (the wheel that
   make dist builds; liqcalc is not on PyPI yet, so never type just "liqcalc"), then: xlwings addin install
2. Excel: File > Options > Trust Center > Trust Center Settings > Macro Settings: tick
   "Trust access to the VBA project object model".
3. Save this workbook as .xlsm (File > Save As > Excel Macro-Enabled Workbook).
4. Press Alt+F11 (the VBA editor) > Tools > References: tick "xlwings", click OK.
5. The sheet xlwings.conf already says UDF Modules = excel_addin.udfs. If Python is not found,
   set Interpreter on the xlwings ribbon tab to the python.exe that has liqcalc.
6. xlwings tab > Import Functions. Then press Ctrl+Alt+F9.

Reading the answers
- A number is the answer. Text starting with #VALUE! says what is wrong and what to type.
- "no liquidation: ..." means no price above 0 liquidates the position.
- Give whole columns to a function (A2:A500) to price many rows in one fast call.
- Empty cells mean "not given": an empty MMR uses the exchange's tier table, not 0 %.
- The tier tables are dated snapshots: check the exchange before you trade.
"""


def build(path: Path = OUTPUT) -> Path:
    """Write the sample workbook to ``path`` and return it."""
    book = Workbook()
    planner = book.active
    assert planner is not None
    planner.title = "Trade planner"
    _trade_planner(planner)
    _position_sizing(book.create_sheet("Position sizing"))
    _cross_portfolio(book.create_sheet("Cross portfolio"))
    _trade_review(book.create_sheet("Trade review"))
    _dca_ladder(book.create_sheet("DCA ladder"))
    _how_to_install(book.create_sheet("How to install"))
    conf = book.create_sheet("xlwings.conf")
    conf["A1"], conf["B1"] = "UDF Modules", "excel_addin.udfs"
    book.properties.creator = "liqcalc"
    book.properties.title = "liqcalc liquidation planner"
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.save(path)
    return path


# --- sheets ---------------------------------------------------------------------------------------------


def _trade_planner(ws: Worksheet) -> None:
    _title(ws, "Trade planner", "One trade on one exchange's rules. Yellow cells are inputs.")
    _inputs(
        ws,
        4,
        [
            ("Entry price", 50000, PRICE),
            ("Leverage", 10, "0.##"),
            ("Margin (USDT)", 1000, AMOUNT),
            ("Side", "long", None),
            ("Margin mode", "isolated", None),
            ("Exchange", "binance", None),
            ("Symbol", "BTC", None),
            ("MMR override (empty: tiers)", None, PERCENT),
            ("Wallet balance (cross)", 10000, AMOUNT),
            ("Stop loss", 48000, PRICE),
            ("Funding rate per 8 h", 0.0001, "0.000%"),
            ("Funding periods", 21, "0"),
        ],
    )
    trade = "B4,B5,B6,B7,B8,B9,B10,B11,B12"
    _outputs(
        ws,
        4,
        [
            ("Liquidation price", f"=LIQ_PRICE({trade})", PRICE),
            ("Bankruptcy price", f"=LIQ_BANKRUPTCY({trade})", PRICE),
            ("Move to liquidation", f"=LIQ_DISTANCE({trade})", PERCENT),
            ("Initial margin", f"=LIQ_INITIAL_MARGIN({trade})", AMOUNT),
            ("Maintenance margin at entry", f"=LIQ_MAINT_MARGIN({trade})", AMOUNT),
            ("Most you can lose", f"=LIQ_MAX_LOSS({trade})", AMOUNT),
            ("Stop check", f"=LIQ_STOP_CHECK(B13,{trade})", None),
            ("Liquidation after the funding periods", f"=LIQ_FUNDING(B14,B15,{trade})", PRICE),
        ],
    )
    ws["D13"] = "Textbook formula: LIQ_PRICE"
    ws["E13"] = '=LIQ_PRICE(B4,B5,B6,B7,"isolated","textbook")'
    ws["D14"] = "Textbook formula in plain Excel"
    ws["E14"] = '=IF(LEFT(LOWER(B7),1)="l",B4*(1-1/B5+0.005),B4*(1+1/B5-0.005))'
    ws["D15"] = "One-liner: long | short"
    _array(ws, "E15", '=LIQ_TEXT("50000 10x 1000 isolated")', 1, 2)
    ws["D16"] = "Live mark price (classic xlwings; Lite: type it)"
    ws["E16"] = "=LIQ_MARK(B10,B9)"
    for cell in ("E13", "E14", "E15", "F15", "E16"):
        ws[cell].number_format = PRICE
    ws["D17"] = "Isolated vs cross for the wallet balance"
    ws["D17"].font = BOLD
    _array(ws, "D18", "=LIQ_COMPARE(B4,B5,B6,B7,B12,B9,B10,B11)", len(_cells.COMPARE_LABELS) + 1, 3)
    for row, fmt in zip(range(19, 24), (PRICE, PERCENT, PRICE, AMOUNT, "0.00"), strict=True):
        ws[f"E{row}"].number_format = fmt
        ws[f"F{row}"].number_format = fmt
    ws["A26"] = "The exchange's tier table for the symbol"
    ws["A26"].font = BOLD
    tiers = _cells.tier_rows("binance", "BTC")
    _array(ws, "A27", "=LIQ_TIERS(B9,B10)", len(tiers), len(tiers[0]))
    for row in range(28, 27 + len(tiers) - 1):
        ws[f"B{row}"].number_format = "#,##0"
        ws[f"C{row}"].number_format = "#,##0"
        ws[f"D{row}"].number_format = "0.00%"
        ws[f"F{row}"].number_format = "#,##0"
    _widths(ws, {"A": 30, "B": 14, "C": 14, "D": 36, "E": 16, "F": 16})


def _position_sizing(ws: Worksheet) -> None:
    _title(ws, "Position sizing", "Size from the risk you accept at the stop, then the leverage that keeps it safe.")
    _inputs(
        ws,
        4,
        [
            ("Account balance", 10000, AMOUNT),
            ("Risk per trade", 0.01, PERCENT),
            ("Entry price", 50000, PRICE),
            ("Stop loss", 48500, PRICE),
            ("Side", "long", None),
            ("Exchange", "binance", None),
            ("Symbol", "BTC", None),
            ("Taker fee", 0.0005, "0.000%"),
            ("Target ROE", 0.5, PERCENT),
        ],
    )
    _outputs(
        ws,
        4,
        [
            ("Position size (coins)", "=LIQ_SIZE(B4,B5,B6,B7,B11)", QUANTITY),
            ("Notional (USDT)", "=E4*B6", AMOUNT),
            ("Highest safe leverage", "=LIQ_MAX_LEVERAGE(B6,B7,B8,E4,B9,B10,,,B11)", "0.00"),
            ("Leverage to use (rounded down)", "=ROUNDDOWN(E6,0)", "0"),
            ("Liquidation price at that leverage", "=LIQ_PRICE(B6,E7,,B8,,B9,B10,,,E4)", PRICE),
            ("Stop check", "=LIQ_STOP_CHECK(B7,B6,E7,,B8,,B9,B10,,,E4)", None),
            ("PnL if the stop fills", "=LIQ_PNL(B6,B7,E4,B8,B11)", AMOUNT),
            ("ROE if the stop fills", "=LIQ_ROE(B6,B7,E7,B8,B11)", PERCENT),
            ("Exit price for the target ROE", "=LIQ_TARGET_PRICE(B6,B12,E7,B8,B11)", PRICE),
        ],
    )
    ws["A15"] = "Several setups at once: one formula per column prices every row in one call"
    ws["A15"].font = BOLD
    header = ["Entry", "Stop", "Risk", "Leverage", "Size (coins)", "Liquidation price", "PnL at the stop"]
    for col, text in enumerate(header, start=1):
        ws.cell(16, col, text).font = BOLD
    setups = [(50000, 48500, 0.01, 20), (50000, 49000, 0.02, 25), (3000, 2850, 0.01, 10),
              (60000, 60000, 0.01, 10), (150, 140, 0.005, 5)]  # fmt: skip
    for row, values in enumerate(setups, start=17):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col, value)
            cell.fill = INPUT_FILL
            cell.number_format = PERCENT if col == 3 else PRICE if col < 3 else "0"
    first, end = 17, 16 + len(setups)
    last = end
    _array(ws, f"E{first}", f"=LIQ_SIZE(B4,C{first}:C{end},A{first}:A{end},B{first}:B{end},B11)", len(setups), 1)
    _array(ws, f"F{first}", f"=LIQ_PRICE(A{first}:A{end},D{first}:D{end},,B8,,B9,B10,,,E{first}:E{end})",
           len(setups), 1)  # fmt: skip
    _array(ws, f"G{first}", f"=LIQ_PNL(A{first}:A{end},B{first}:B{end},E{first}:E{end},B8,B11)", len(setups), 1)
    for row in range(17, last + 1):
        ws[f"E{row}"].number_format = QUANTITY
        ws[f"F{row}"].number_format = PRICE
        ws[f"G{row}"].number_format = AMOUNT
    ws[f"A{last + 1}"] = "Row 4 shows an error on purpose (stop = entry): the other rows still compute."
    ws[f"A{last + 1}"].font = NOTE
    _widths(ws, {"A": 34, "B": 14, "C": 12, "D": 36, "E": 16, "F": 18, "G": 16})


def _cross_portfolio(ws: Worksheet) -> None:
    _title(ws, "Cross portfolio", "Several positions sharing one wallet: each price holds the others at their marks.")
    _inputs(ws, 3, [("Wallet balance", 20000, AMOUNT), ("Exchange", "binance", None)])
    header = ["Symbol", "Side", "Quantity", "Entry", "Mark", "Liquidation price", "Move from mark"]
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
    _array(ws, "F7", f"=LIQ_CROSS(A7:E{last},B3,B4)", len(positions), 1)
    for row in range(7, last + 1):
        ws[f"F{row}"].number_format = PRICE
        ws[f"G{row}"] = f'=IF(ISNUMBER(F{row}),F{row}/E{row}-1,"")'
        ws[f"G{row}"].number_format = PERCENT
    ws[f"A{last + 2}"] = "Account-wide move that liquidates the wallet"
    ws[f"A{last + 2}"].font = BOLD
    ws[f"F{last + 2}"] = f"=LIQ_CROSS_MOVE(A7:E{last},B3,B4)"
    ws[f"F{last + 2}"].number_format = PERCENT
    ws[f"A{last + 3}"] = "(every mark moved by the same %, all at once)"
    ws[f"A{last + 3}"].font = NOTE
    _widths(ws, {"A": 16, "B": 14, "C": 12, "D": 14, "E": 14, "F": 18, "G": 16})


REVIEW_CALLS = (
    ("Call 1", ("BTC long 50000 10x SL 48500 TP 54000 / 56000",)),
    ("Call 2: the stop is beyond the liquidation price", ("ETH short 3000 50x SL 3100 TP 2800",)),
    (
        "Call 3: a signal pasted one line per cell",
        ("#SOL/USDT", "Signal Type: Regular (Long)", "Leverage: Cross 20x", "Entry Targets: 1) 140 2) 150",
         "Take-Profit Targets: 1) 160 2) 170", "Stop Targets: 1) 132"),
    ),
)  # fmt: skip


def _trade_review(ws: Worksheet) -> None:
    _title(
        ws,
        "Trade review",
        "A trade call as posted in a group, reviewed: is the stop before liquidation, what is at risk.",
    )
    settings = [
        ("Exchange", "binance", None),
        ("Account balance (empty: no cross, no risk share)", 10000, AMOUNT),
        ("Margin (empty: sized from the risk limit)", None, AMOUNT),
        ("Risk limit per trade (empty: 2%)", 0.02, PERCENT),
        ("Taker fee", 0.0005, "0.000%"),
    ]
    _inputs(ws, 4, settings)
    options = "B4,B5,B6,B7,B8"
    row = 10
    for title, lines in REVIEW_CALLS:
        ws.cell(row, 1, title).font = BOLD
        for offset, line in enumerate(lines):
            ws.cell(row + offset, 2, line).fill = INPUT_FILL
        text = f"B{row}" if len(lines) == 1 else f"B{row}:B{row + len(lines) - 1}"
        row += len(lines) + 1
        table = _review.review_table([[line] for line in lines], *(value for _, value, _ in settings))
        _array(ws, f"A{row}", f"=LIQ_REVIEW({text},{options})", len(table), 2)
        for offset, (label, _) in enumerate(table):
            cell = ws.cell(row + offset, 2)
            cell.alignment = Alignment(horizontal="left")
            cell.number_format = _review_format(label)
        row += len(table) + 2
    ws[f"A{row - 1}"] = "Moves and the risk share are fractions of the entry price and of the account, shown as %."
    ws[f"A{row - 1}"].font = NOTE
    _widths(ws, {"A": 46, "B": 90})


DCA_FILLS = ((50000, 0.1), (48000, 0.1), (46000, 0.2), (None, None), (None, None), (None, None))
DCA_FORMATS = ("0", PRICE, QUANTITY, QUANTITY, PRICE, AMOUNT, PRICE, PERCENT, None)


def _dca_ladder(ws: Worksheet) -> None:
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
    last = first + len(DCA_FILLS) - 1
    ws.cell(first - 1, 1, "Fill price").font = BOLD
    ws.cell(first - 1, 2, "Fill quantity").font = BOLD
    for row, (price, quantity) in enumerate(DCA_FILLS, start=first):
        for col, value, fmt in ((1, price, PRICE), (2, quantity, QUANTITY)):
            cell = ws.cell(row, col, value)
            cell.fill = INPUT_FILL
            cell.number_format = fmt
    table = _dca.dca_table(
        [[price] for price, _ in DCA_FILLS], [[quantity] for _, quantity in DCA_FILLS],
        *(value for _, value, _ in settings),
    )  # fmt: skip
    anchor = first - 1  # the header lines up with the fills' header, each step with its fill
    _array(ws, f"D{anchor}", f"=LIQ_DCA(A{first}:A{last},B{first}:B{last},B4,B5,B6,B7,B8)", len(table), len(table[0]))
    for col in range(4, 13):
        ws.cell(anchor, col).font = BOLD
    for row in range(anchor + 1, anchor + len(table)):
        for col, fmt in enumerate(DCA_FORMATS, start=4):
            if fmt:
                ws.cell(row, col).number_format = fmt
    ws[f"A{last + 2}"] = (
        "More fills: type them in the yellow rows, then re-enter the table one row taller per fill (Microsoft 365: "
        f"delete it and type the formula in D{anchor} alone: it spills). Empty rows at the end are ignored."
    )
    ws[f"A{last + 2}"].font = NOTE
    _widths(ws, {"A": 30, "B": 14, "C": 4, "D": 6, "E": 12, "F": 10, "G": 10, "H": 12, "I": 12, "J": 12, "K": 14,
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


def _how_to_install(ws: Worksheet) -> None:
    for row, line in enumerate(INSTALL_TEXT.splitlines(), start=1):
        cell = ws.cell(row, 1, line or None)
        if row == 1:
            cell.font = TITLE
        elif line.startswith(("Option", "Reading")):
            cell.font = BOLD
    ws.column_dimensions["A"].width = 110


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


def _outputs(ws: Worksheet, first_row: int, rows: Sequence[tuple[str, str, str | None]]) -> None:
    for row, (label, formula, fmt) in enumerate(rows, start=first_row):
        ws.cell(row, 4, label)
        cell = ws.cell(row, 5, formula)
        cell.alignment = Alignment(horizontal="right")
        if fmt:
            cell.number_format = fmt


def _array(ws: Worksheet, anchor: str, formula: str, rows: int, cols: int) -> None:
    """An array formula filling ``rows`` × ``cols`` cells from ``anchor`` (the spill area)."""
    top = ws[anchor]
    last_col = top.column + cols - 1
    last_row = top.row + rows - 1
    end = ws.cell(last_row, last_col).coordinate
    ws[anchor] = ArrayFormula(f"{anchor}:{end}", formula)


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
