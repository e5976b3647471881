"""A local emulator of the venues' public REST endpoints, over real HTTP on 127.0.0.1 (standard library only).

Each venue lives under its own prefix (``http://127.0.0.1:PORT/bybit``), so the product reaches it
through the ``LIQCALC_*_URL`` variables exactly as it reaches the venues (:meth:`ExchangeEmulator.env`).
It serves the documented paths in the documented shapes, fed from ``fixtures/`` (see its README):
Binance ``exchangeInfo``/``premiumIndex``/signed ``leverageBracket`` (checks the key header and the
HMAC signature) and the website's bracket POSTs; Bybit cursor pages (15 symbols per risk-limit page);
OKX's one-family-per-call tiers; Gate's ``limit``/``offset`` pages; Bitget's per-symbol tiers;
Hyperliquid's ``POST /info``; MEXC's contract detail.

It keeps each venue's documented rate limit (a sliding window; over it: 429 with ``Retry-After``),
counts requests, and injects faults on demand: 429, 418, 5xx, time-outs, malformed JSON, a truncated
body, and a table that fails validation. Tests move mark prices with :meth:`set_mark`.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"
API_KEY, API_SECRET = "emulator-read-only-key", "emulator-secret"
VENUES = ("binance", "binance-coinm", "binance-web", "bybit", "okx", "gate", "bitget", "hyperliquid", "mexc")
URL_VARIABLES = {
    "binance": "LIQCALC_BINANCE_URL", "binance-coinm": "LIQCALC_BINANCE_COINM_URL",
    "binance-web": "LIQCALC_BINANCE_WEB_URL", "bybit": "LIQCALC_BYBIT_URL", "okx": "LIQCALC_OKX_URL",
    "gate": "LIQCALC_GATE_URL", "bitget": "LIQCALC_BITGET_URL", "hyperliquid": "LIQCALC_HYPERLIQUID_URL",
    "mexc": "LIQCALC_MEXC_URL",
}  # fmt: skip
# documented limits (MARKET.md): requests (or weight) per window in seconds
LIMITS = {
    "binance": (2400, 60.0), "binance-coinm": (2400, 60.0), "binance-web": (600, 60.0), "bybit": (600, 5.0),
    "okx": (10, 2.0), "gate": (200, 10.0), "bitget": (20, 1.0), "hyperliquid": (1200, 60.0), "mexc": (20, 1.0),
}  # fmt: skip
WEIGHTS = {"/fapi/v1/premiumIndex": 10, "/dapi/v1/premiumIndex": 10, "/info": 20}
BYBIT_SYMBOLS_PER_PAGE = 15


@dataclass
class Fault:
    """One injected fault: ``kind`` on ``venue`` (and ``path`` when set), ``times`` more times."""

    venue: str
    kind: str  # "429", "418", "500", "503", "timeout", "malformed", "truncated", "invalid"
    times: int = 1
    path: str | None = None
    retry_after: float = 1.0


def _load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class ExchangeEmulator:
    """Start with ``with ExchangeEmulator() as emu:``; ``emu.env()`` gives the URL variables."""

    def __init__(self, *, latency: float = 0.0, enforce_limits: bool = True, hang_seconds: float = 15.0) -> None:
        """``latency``: seconds added to every answer; ``hang_seconds``: how long a time-out fault stalls."""
        self.latency, self.enforce_limits, self.hang_seconds = latency, enforce_limits, hang_seconds
        self.data: dict[str, Any] = {}
        self.reload()
        self.faults: list[Fault] = []
        self.requests: dict[str, int] = defaultdict(int)
        self.paths: list[tuple[str, str]] = []
        self._windows: dict[str, deque[tuple[float, int]]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the fixtures again (undoing :meth:`set_mark` and other edits)."""
        self.data = {str(p.relative_to(FIXTURES)).removesuffix(".json"): _load(str(p.relative_to(FIXTURES)))
                     for p in FIXTURES.rglob("*.json") if p.parent != FIXTURES}  # fmt: skip

    def start(self) -> ExchangeEmulator:
        """Listen on a free port of 127.0.0.1 in a background thread."""
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                emulator._handle(self, "GET")

            def do_POST(self) -> None:
                emulator._handle(self, "POST")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ExchangeEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def url(self, venue: str) -> str:
        """The base URL of ``venue``."""
        return f"http://127.0.0.1:{self.port}/{venue}"

    def env(self) -> dict[str, str]:
        """The ``LIQCALC_*_URL`` variables pointing at this emulator."""
        return {var: self.url(venue) for venue, var in URL_VARIABLES.items()}

    def urls(self) -> dict[str, str]:
        """Base URLs by source name (what ``market.sources.urls_from`` returns for :meth:`env`)."""
        return {venue: self.url(venue) for venue in URL_VARIABLES}

    # --- test controls -------------------------------------------------------------------------------

    def fault(
        self, venue: str, kind: str, *, times: int = 1, path: str | None = None, retry_after: float = 1.0
    ) -> None:
        """Inject ``kind`` for the next ``times`` requests to ``venue`` (only ``path`` when given)."""
        with self._lock:
            self.faults.append(Fault(venue, kind, times, path, retry_after))

    def set_mark(self, venue: str, market: str, price: float) -> None:
        """Move one market's mark price on ``venue`` (its bulk price endpoint answers the new one)."""
        text = f"{price:.10f}".rstrip("0").rstrip(".")
        with self._lock:
            if venue == "binance":
                rows = self.data["binance/premiumIndex"]
                key, field = "symbol", "markPrice"
            elif venue == "bybit":
                rows, key, field = self.data["bybit/tickers_linear"], "symbol", "markPrice"
            elif venue == "okx":
                rows, key, field = self.data["okx/mark_price"]["data"], "instId", "markPx"
            elif venue == "gate":
                rows, key, field = self.data["gate/tickers"], "contract", "mark_price"
            elif venue == "bitget":
                rows, key, field = self.data["bitget/tickers"]["data"], "symbol", "markPrice"
            elif venue == "mexc":
                rows, key, field = self.data["mexc/ticker"]["data"], "symbol", "fairPrice"
            else:
                meta, ctxs = self.data["hyperliquid/metaAndAssetCtxs"]
                names = [c["name"] for c in meta["universe"]]
                ctxs[names.index(market)]["markPx"] = text
                return
            for row in rows:
                if row[key] == market:
                    row[field] = text if isinstance(row[field], str) else price
                    return
        raise KeyError(f"{venue} has no {market}")

    def count(self, venue: str) -> int:
        """Requests ``venue`` answered (faults and 429s included)."""
        return self.requests[venue]

    # --- serving -------------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urllib.parse.urlsplit(handler.path)
        venue, _, rest = parsed.path.lstrip("/").partition("/")
        path = "/" + rest
        query = dict(urllib.parse.parse_qsl(parsed.query))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        with self._lock:
            self.requests[venue] += 1
            self.paths.append((venue, path))
            fault = self._take_fault(venue, path)
            limited = self._over_limit(venue, path) if fault is None else None
        if self.latency:
            time.sleep(self.latency)
        if limited is not None:
            self._send(handler, 429, {"code": 429, "msg": "Too many requests"}, {"Retry-After": f"{limited:.0f}"})
            return
        if fault is not None and fault.kind in ("429", "418"):
            self._send(handler, int(fault.kind), {"code": -1003, "msg": "Way too many requests"},
                       {"Retry-After": f"{fault.retry_after:g}"})  # fmt: skip
            return
        if fault is not None and fault.kind in ("500", "502", "503"):
            self._send(handler, int(fault.kind), {"msg": "Service Unavailable"})
            return
        if fault is not None and fault.kind == "timeout":
            time.sleep(self.hang_seconds)
            self._send(handler, 504, {"msg": "late"})
            return
        try:
            status, payload = self._route(venue, method, path, query, body, handler)
        except KeyError as exc:
            status, payload = 404, {"msg": f"not found: {exc}"}
        if fault is not None and fault.kind == "invalid":
            payload = _invalidate(venue, payload)
        raw = json.dumps(payload).encode()
        if fault is not None and fault.kind == "malformed":
            raw = b"<html><body>502 Bad Gateway</body></html>"
        if fault is not None and fault.kind == "truncated":
            raw = raw[: len(raw) // 2]
        self._send_raw(handler, status, raw)

    def _take_fault(self, venue: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.venue == venue and fault.times > 0 and (fault.path is None or fault.path == path):
                fault.times -= 1
                return fault
        return None

    def _over_limit(self, venue: str, path: str) -> float | None:
        if not self.enforce_limits or venue not in LIMITS:
            return None
        limit, window = LIMITS[venue]
        key = f"{venue}{path}" if venue == "okx" else venue  # OKX counts per endpoint
        now, log = time.monotonic(), self._windows[key]
        while log and log[0][0] <= now - window:
            log.popleft()
        weight = WEIGHTS.get(path, 1)
        if sum(w for _, w in log) + weight > limit:
            return max(1.0, log[0][0] + window - now)
        log.append((now, weight))
        return None

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, payload: Any, headers: dict[str, str] | None = None
    ) -> None:
        ExchangeEmulator._send_raw(handler, status, json.dumps(payload).encode(), headers)

    @staticmethod
    def _send_raw(
        handler: BaseHTTPRequestHandler, status: int, raw: bytes, headers: dict[str, str] | None = None
    ) -> None:
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a time-out test)

    # --- routes (documented paths and shapes) ----------------------------------------------------------

    def _route(
        self, venue: str, method: str, path: str, q: dict[str, str], body: bytes, handler: BaseHTTPRequestHandler
    ) -> tuple[int, Any]:
        d = self.data
        with self._lock:
            if venue == "binance" and path == "/fapi/v1/exchangeInfo":
                return 200, copy.deepcopy(d["binance/exchangeInfo"])
            if venue == "binance" and path == "/fapi/v1/premiumIndex":
                return 200, copy.deepcopy(d["binance/premiumIndex"])
            if venue == "binance" and path == "/fapi/v1/leverageBracket":
                return self._signed(handler, q, d["binance/leverageBracket"])
            if venue == "binance-coinm" and path == "/dapi/v1/exchangeInfo":
                return 200, copy.deepcopy(d["binance-coinm/exchangeInfo"])
            if venue == "binance-coinm" and path == "/dapi/v1/premiumIndex":
                return 200, copy.deepcopy(d["binance-coinm/premiumIndex"])
            if venue == "binance-coinm" and path == "/dapi/v2/leverageBracket":
                return self._signed(handler, q, d["binance-coinm/leverageBracket"])
            if venue == "binance-web" and method == "POST":
                kind = {"/bapi/futures/v1/friendly/future/common/brackets": "binance",
                        "/bapi/futures/v1/friendly/delivery/common/brackets": "binance-coinm"}[path]  # fmt: skip
                return 200, copy.deepcopy(d[f"{kind}/web_brackets"])
            if venue == "bybit":
                return self._bybit(path, q)
            if venue == "okx":
                return self._okx(path, q)
            if venue == "gate":
                return self._gate(path, q)
            if venue == "bitget":
                return self._bitget(path, q)
            if venue == "hyperliquid" and method == "POST" and path == "/info":
                kind = json.loads(body or b"{}").get("type")
                if kind != "metaAndAssetCtxs":
                    return 422, {"error": f"unknown type {kind!r}"}
                return 200, copy.deepcopy(d["hyperliquid/metaAndAssetCtxs"])
            if venue == "mexc" and path == "/api/v1/contract/detail":
                return 200, copy.deepcopy(d["mexc/detail"])
            if venue == "mexc" and path == "/api/v1/contract/ticker":
                return 200, copy.deepcopy(d["mexc/ticker"])
        raise KeyError(f"{method} {venue}{path}")

    def _signed(self, handler: BaseHTTPRequestHandler, q: dict[str, str], rows: Any) -> tuple[int, Any]:
        if handler.headers.get("X-MBX-APIKEY") != API_KEY:
            return 401, {"code": -2014, "msg": "API-key format invalid."}
        signature = q.pop("signature", "")
        expected = hmac.new(API_SECRET.encode(), urllib.parse.urlencode(q).encode(), hashlib.sha256).hexdigest()
        if "timestamp" not in q or not hmac.compare_digest(signature, expected):
            return 400, {"code": -1022, "msg": "Signature for this request is not valid."}
        return 200, copy.deepcopy(rows)

    def _bybit(self, path: str, q: dict[str, str]) -> tuple[int, Any]:
        category = q.get("category", "")
        if category not in ("linear", "inverse"):
            return 200, {"retCode": 10001, "retMsg": "params error: category is wrong", "result": {}}
        if path == "/v5/market/tickers":
            return 200, _bybit_envelope(category, copy.deepcopy(self.data[f"bybit/tickers_{category}"]), "")
        if path == "/v5/market/instruments-info":
            rows = self.data[f"bybit/instruments_{category}"]
            limit = int(q.get("limit", 500))
            start = int(q.get("cursor") or 0)
            page = rows[start : start + limit]
            after = start + limit
            return 200, _bybit_envelope(category, copy.deepcopy(page), str(after) if after < len(rows) else "")
        if path == "/v5/market/risk-limit":
            rows = self.data[f"bybit/risk_limit_{category}"]
            if q.get("symbol"):
                rows = [r for r in rows if r["symbol"] == q["symbol"]]
            symbols = list(dict.fromkeys(r["symbol"] for r in rows))
            start = int(q.get("cursor") or 0)
            chosen = set(symbols[start : start + BYBIT_SYMBOLS_PER_PAGE])
            after = start + BYBIT_SYMBOLS_PER_PAGE
            cursor = str(after) if after < len(symbols) else ""
            return 200, _bybit_envelope(category, [copy.deepcopy(r) for r in rows if r["symbol"] in chosen], cursor)
        raise KeyError(path)

    def _okx(self, path: str, q: dict[str, str]) -> tuple[int, Any]:
        if q.get("instType") != "SWAP":
            return 200, {"code": "51000", "msg": "Parameter instType error", "data": []}
        if path == "/api/v5/public/instruments":
            return 200, copy.deepcopy(self.data["okx/instruments"])
        if path == "/api/v5/public/mark-price":
            return 200, copy.deepcopy(self.data["okx/mark_price"])
        if path == "/api/v5/public/position-tiers":
            family = q.get("instFamily")
            if not family or q.get("tdMode") not in ("isolated", "cross"):
                return 200, {"code": "51000", "msg": "Parameter instFamily error", "data": []}
            rows = [copy.deepcopy(r) for r in self.data["okx/position_tiers"] if r["instFamily"] == family]
            return 200, {"code": "0", "msg": "", "data": rows}
        raise KeyError(path)

    def _gate(self, path: str, q: dict[str, str]) -> tuple[int, Any]:
        if path == "/api/v4/futures/usdt/contracts":
            return 200, copy.deepcopy(self.data["gate/contracts"])
        if path == "/api/v4/futures/usdt/tickers":
            return 200, copy.deepcopy(self.data["gate/tickers"])
        if path == "/api/v4/futures/usdt/risk_limit_tiers":
            rows = self.data["gate/risk_limit_tiers"]
            if q.get("contract"):
                rows = [r for r in rows if r["contract"] == q["contract"]]
            limit = min(int(q.get("limit", 100)), 1000)
            offset = int(q.get("offset", 0))
            return 200, copy.deepcopy(rows[offset : offset + limit])
        raise KeyError(path)

    def _bitget(self, path: str, q: dict[str, str]) -> tuple[int, Any]:
        if q.get("productType", "").upper() != "USDT-FUTURES":
            return 400, {"code": "40019", "msg": "Parameter productType cannot be empty", "data": None}
        if path == "/api/v2/mix/market/contracts":
            return 200, copy.deepcopy(self.data["bitget/contracts"])
        if path == "/api/v2/mix/market/tickers":
            return 200, copy.deepcopy(self.data["bitget/tickers"])
        if path == "/api/v2/mix/market/query-position-lever":
            rows = self.data["bitget/position_lever"].get(q.get("symbol", ""))
            if rows is None:
                return 400, {"code": "40034", "msg": "Parameter symbol does not exist", "data": None}
            return 200, {
                "code": "00000",
                "msg": "success",
                "requestTime": int(time.time() * 1000),
                "data": copy.deepcopy(rows),
            }
        raise KeyError(path)


def _bybit_envelope(category: str, rows: list[Any], cursor: str) -> dict[str, Any]:
    return {"retCode": 0, "retMsg": "OK", "result": {"category": category, "list": rows, "nextPageCursor": cursor},
            "retExtInfo": {}, "time": int(time.time() * 1000)}  # fmt: skip


def _invalidate(venue: str, payload: Any) -> Any:
    """The same response with every table broken: maintenance rates of 150 % (Hyperliquid: leverage −1)."""
    keys = {"maintMarginRatio", "bracketMaintenanceMarginRate", "maintenanceMargin", "maintenance_rate",
            "keepMarginRate", "mmr", "maintenanceMarginRate"}  # fmt: skip
    if venue == "hyperliquid":
        keys = {"maxLeverage"}

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: ("1.5" if venue != "hyperliquid" else -1) if k in keys else walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(payload)


@contextmanager
def running(**kwargs: Any) -> Iterator[ExchangeEmulator]:
    """``with running() as emu:`` — started and stopped."""
    emu = ExchangeEmulator(**kwargs).start()
    try:
        yield emu
    finally:
        emu.stop()
