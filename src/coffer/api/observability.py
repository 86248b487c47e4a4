"""Request ids, one JSON log line per request, and Prometheus metrics."""

from __future__ import annotations

import atexit
import contextvars
import itertools
import json
import logging
import re
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coffer.core import Coffer

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "coffer_request_id", default=None
)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
access_log = logging.getLogger("coffer.api.access")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            out["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            out.update(fields)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


MAX_QUEUED_LOG_RECORDS = 100_000
LOG_WRITE_INTERVAL_SECONDS = 0.05


class BackgroundHandler(logging.Handler):
    """Queues records; a writer thread formats and writes them every 50 ms, in one write.

    Under load the access log is one record per request: formatted, written and flushed
    on the event loop it cost a system call and tens of microseconds per request. Here
    the loop only appends the record to a deque (no lock, no wake-up). The request id is
    taken at emit time (it lives in the request's context variable). The queue is bounded:
    past ``MAX_QUEUED_LOG_RECORDS`` waiting records, new ones are dropped and counted.
    """

    def __init__(self, stream: Any, formatter: logging.Formatter) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self.stream = stream
        self.dropped = 0
        self._records: deque[logging.LogRecord] = deque()
        self._write_lock = threading.Lock()
        self._through = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._write_loop, name="log-writer", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        if len(self._records) >= MAX_QUEUED_LOG_RECORDS:
            self.dropped += 1
            return
        self._records.append(record)
        if self._through:
            self._write_pending()

    def flush(self) -> None:
        """Write what is queued now, and from now on write each record as it comes
        (called at shutdown: the process may end by a signal, without atexit)."""
        self._through = True
        self._write_pending()

    def _write_loop(self) -> None:
        for _ in range(10**15):  # bounded in name; ends with close()
            stopping = self._stop.wait(LOG_WRITE_INTERVAL_SECONDS)
            self._write_pending()
            if stopping:
                return

    def _write_pending(self) -> None:
        with self._write_lock:
            self._write_records()

    def _write_records(self) -> None:
        records = self._records
        lines: list[str] = []
        for _ in range(len(records)):
            record = records.popleft()
            try:
                lines.append(self.format(record))
            except Exception:  # a bad record must not stop the log
                self.handleError(record)
        if lines:
            try:
                self.stream.write("\n".join(lines) + "\n")
                self.stream.flush()
            except (OSError, ValueError):
                pass  # stderr closed: nothing sensible left to do

    def close(self) -> None:
        if self._thread.is_alive():
            self._stop.set()
            self._thread.join(timeout=5)
        super().close()


def configure_logging(level: int = logging.INFO) -> None:
    """JSON logs on stderr for coffer and uvicorn (uvicorn's own access log is replaced),
    formatted and written by a background thread."""
    handler = BackgroundHandler(sys.stderr, JsonFormatter())
    # records need none of these (each costs lookups per record)
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    for name in ("coffer", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True


class _SequencerCollector(Collector):
    """Queue depth of each open ledger's sequencer, read when scraped."""

    def __init__(self, coffer: Coffer) -> None:
        self.coffer = coffer

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "coffer_sequencer_queue_depth",
            "Requests waiting in the ledger's sequencer",
            labels=["ledger"],
        )
        for ledger in self.coffer.open_ledgers():
            gauge.add_metric([ledger.name], ledger.queue_depth)
        yield gauge


class Metrics:
    def __init__(self, coffer: Coffer) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "coffer_http_requests",
            "HTTP requests by route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "coffer_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.bulk_elements = Histogram(
            "coffer_bulk_elements",
            "Elements per _bulk request",
            buckets=(1, 10, 100, 1000, 10_000),
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "coffer_sequencer_batch_size",
            "Requests written per sequencer batch (group commit)",
            ["ledger"],
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 1024, 4096),
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "coffer_sequencer_batch_duration_seconds",
            "Time to apply and commit one sequencer batch",
            ["ledger"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1),
            registry=self.registry,
        )
        self.registry.register(_SequencerCollector(coffer))
        self._instrumented: set[int] = set()

    def instrument(self, coffer: Coffer) -> None:
        """Time each sequencer batch of every open ledger (once per ledger)."""
        for ledger in coffer.open_ledgers():
            if id(ledger) in self._instrumented:
                continue
            self._instrumented.add(id(ledger))
            sizes = self.batch_size.labels(ledger.name)
            seconds = self.batch_seconds.labels(ledger.name)

            def observe(
                requests: int, elapsed: float, sizes: Any = sizes, seconds: Any = seconds
            ) -> None:
                sizes.observe(requests)
                seconds.observe(elapsed)

            ledger.add_batch_listener(observe)


class ObservabilityMiddleware:
    """Pure ASGI (no per-request task): request id, access log, metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics, coffer: Coffer, log_requests: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.coffer = coffer
        self.log_requests = log_requests
        self._known_ledgers = 0
        # request ids: a random prefix per process and a counter (uuid4 per request costs
        # a system call); unique across restarts and processes
        self._id_prefix = uuid.uuid4().hex[:16]
        self._id_counter = itertools.count()
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def _next_request_id(self) -> str:
        return f"{self._id_prefix}{next(self._id_counter):016x}"

    def _observe(self, method: str, template: str, status: int, elapsed: float) -> None:
        key = (method, template, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.metrics.requests.labels(method, template, str(status)),
                self.metrics.latency.labels(method, template),
            )
            if len(self._children) < 10_000:  # bounded by routes x methods x statuses
                self._children[key] = children
        children[0].inc()
        children[1].observe(elapsed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = None
        for key, value in scope.get("headers", ()):
            if key == b"x-request-id":
                candidate = value.decode("latin-1")
                if _REQUEST_ID.match(candidate):
                    request_id = candidate
                break
        request_id = request_id or self._next_request_id()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-Id", request_id)
            await send(message)

        token = request_id_var.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            self._observe(method, template, status, elapsed)
            ledgers = len(self.coffer.open_ledgers())
            if ledgers != self._known_ledgers:
                self._known_ledgers = ledgers
                self.metrics.instrument(self.coffer)
            if self.log_requests:
                access_log.info(
                    "%s %s %s",
                    method,
                    scope.get("path", ""),
                    status,
                    extra={
                        "request_id": request_id,
                        "fields": {
                            "method": method,
                            "path": scope.get("path", ""),
                            "route": template,
                            "status": status,
                            "duration_ms": round(elapsed * 1000, 3),
                            "client": (scope.get("client") or ("", 0))[0],
                        },
                    },
                )
            request_id_var.reset(token)
