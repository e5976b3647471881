# Runs inside Pyodide: the seed example and the bundled tables, from the installed liqcalc wheel.
import json
import sys

import core
from core import TradeRequest, calculate, parse_trade

textbook = calculate(TradeRequest(entry_price=50000, leverage=10, margin=1000, side="long", mmr=0.005))
binance = calculate(parse_trade("50000 10x 1000 long binance"))
short = calculate(parse_trade("50k x10 1k iso short"))
json.dumps(
    {
        "platform": sys.platform,
        "python": sys.version.split()[0],
        "core_file": core.__file__,
        "textbook": textbook.liquidation_price,
        "binance": binance.liquidation_price,
        "binance_as_of": binance.tier.as_of if binance.tier else None,
        "short": short.liquidation_price,
        "numpy_loaded": "numpy" in sys.modules,
    }
)
