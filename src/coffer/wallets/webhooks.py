"""Outbox events delivered to webhook endpoints, signed per Standard Webhooks.

Every state change writes a row in ``wallet_events`` in the same database transaction as
the change (the outbox). The worker then:

1. dispatches: takes undispatched events (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
   several workers share the work), creates one delivery per matching enabled endpoint and
   marks the events dispatched, in one transaction;
2. delivers: takes due deliveries, leases each one (pushes its next attempt out), POSTs the
   signed payload and records the outcome. A 2xx ends the delivery; anything else is retried
   with exponential backoff (:data:`RETRY_SCHEDULE_SECONDS`, about 3 days and 3 hours in
   all, with jitter), then marked ``failed``.

Delivery is at least once: the ``webhook-id`` header is the event id, identical on every
retry and replay, so receivers deduplicate on it.

Endpoint URLs obey the egress policy of :mod:`coffer.wallets.egress` (checked when an
endpoint is registered and again, after DNS resolution, at every delivery, which connects
to the checked address). A delivery's recorded error never quotes the receiver: it is the
HTTP status, or a generic reason (timeout, unreachable, refused by the egress policy).
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import random
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import sqlalchemy as sa

from coffer.db.columns import model_from_row
from coffer.errors import ResourceNotFound, ValidationError
from coffer.identity.audit import SYSTEM, Actor, record_by
from coffer.identity.audit.witness import AuditHeadPublisher
from coffer.platforms import DEFAULT_PLATFORM_ID
from coffer.platforms.mode import Mode, platform_mode
from coffer.runtime.rounds import RoundLoop
from coffer.wallets import egress
from coffer.wallets import repository as R
from coffer.wallets import schemas as S
from coffer.wallets import tables as T
from coffer.wallets.common import Row, as_datetime
from coffer.wallets.core import WalletsCore
from coffer.wallets.egress import Resolver, Target, WebhookUrlRefused, check_url
from coffer.wallets.repository.rows import PLATFORM_OPTION

logger = logging.getLogger("coffer.wallets.worker")

# Delay before retry n (after the n-th failed attempt). Sum: 75 h 35 min 5 s > 3 days.
RETRY_SCHEDULE_SECONDS = (5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
MAX_ATTEMPTS = len(RETRY_SCHEDULE_SECONDS) + 1
LEASE_SECONDS = 60
NO_ENDPOINT_BATCH = 10_000  # events marked dispatched per statement when nobody listens
MAX_ERROR_LENGTH = 500
UPGRADE_PER_ROUND = 1_000  # customers re-sealed under their data keys per housekeeping round


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def event_body(event: Row) -> bytes:
    payload = {
        "id": event["id"],
        "type": event["type"],
        "timestamp": as_datetime(event["created_at"]).isoformat().replace("+00:00", "Z"),
        "data": json.loads(event["data"]),
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def retry_delay(attempts: int, *, jitter: float = 0.1) -> float | None:
    """Seconds until the next attempt after ``attempts`` failed ones; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    base = RETRY_SCHEDULE_SECONDS[attempts - 1]
    return base * (1 + random.uniform(-jitter, jitter))


def delivery_error(exc: httpx.HTTPError) -> str:
    """A generic reason for a failed delivery: never the receiver's (or the network's) own
    text, which would make the deliveries API an oracle on what answers where."""
    if isinstance(exc, httpx.TimeoutException):
        return "timeout: the endpoint did not answer in time"
    if isinstance(exc, httpx.TooManyRedirects | httpx.RemoteProtocolError):
        return "protocol error: the endpoint did not answer valid HTTP"
    return "unreachable: the endpoint could not be reached"


def _matches(event_types: list[str], event_type: str) -> bool:
    for pattern in event_types:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


class Webhooks:
    def __init__(self, core: WalletsCore, *, resolver: Resolver | None = None) -> None:
        self.core = core
        # None: the system's (egress.system_resolver); tests inject their own, so that no
        # test resolves names or connects outside.
        self.resolver = resolver

    def check_url(self, url: str, platform_id: str, mode: Mode | None = None) -> Target:
        """Where a delivery to ``url`` for ``platform_id`` connects; raises
        :class:`WebhookUrlRefused` when the egress policy refuses it."""
        if mode is None:
            mode = platform_mode(self.core.engine, platform_id)
        return check_url(
            url,
            mode,
            self.resolver or egress.system_resolver,
            sandbox_loopback=self.core.settings.webhook_sandbox_allow_loopback,
        )

    # -- endpoints -----------------------------------------------------------------------

    def create_endpoint(
        self,
        request: S.WebhookEndpointCreate,
        *,
        platform_id: str = DEFAULT_PLATFORM_ID,
        actor: Actor = SYSTEM,
    ) -> S.WebhookEndpoint:
        """A new endpoint (its signing secret shown once), recorded in the audit log."""
        self.check_url(request.url, platform_id)
        secret = new_secret()
        with self.core.unit() as connection:
            endpoint_id, _ = R.insert_new(
                connection,
                T.webhook_endpoints,
                "we",
                {
                    "url": request.url,
                    "secret_enc": self.core.cipher.encrypt(secret, context="webhook.secret"),
                    "event_types": json.dumps(request.event_types),
                    "enabled": True,
                },
            )
            record_by(
                connection,
                actor,
                "webhook_endpoint.created",
                endpoint_id,
                {"url": request.url, "event_types": request.event_types},
            )
        endpoint = self.endpoint(endpoint_id)
        endpoint.secret = secret
        return endpoint

    def endpoint(self, endpoint_id: str) -> S.WebhookEndpoint:
        return _endpoint_model(
            self.core.existing(T.webhook_endpoints, endpoint_id, "webhook endpoint")
        )

    def endpoints(
        self, *, limit: int = 10, starting_after: str | None = None
    ) -> S.ListPage[S.WebhookEndpoint]:
        with self.core.unit() as connection:
            rows, more = R.page(
                connection, T.webhook_endpoints, starting_after=starting_after, limit=limit
            )
        return S.ListPage[S.WebhookEndpoint](data=[_endpoint_model(r) for r in rows], has_more=more)

    def disable_endpoint(self, endpoint_id: str, *, actor: Actor = SYSTEM) -> S.WebhookEndpoint:
        """Stop deliveries to an endpoint, recorded in the audit log (once: disabling a
        disabled endpoint changes nothing and records nothing)."""
        before = self.endpoint(endpoint_id)
        with self.core.unit() as connection:
            R.update(connection, T.webhook_endpoints, endpoint_id, {"enabled": False})
            if before.enabled:
                record_by(
                    connection,
                    actor,
                    "webhook_endpoint.disabled",
                    endpoint_id,
                    {"url": before.url},
                )
        return self.endpoint(endpoint_id)

    # -- events --------------------------------------------------------------------------

    def events(
        self,
        *,
        types: list[str] | None = None,
        limit: int = 10,
        starting_after: str | None = None,
    ) -> S.ListPage[S.Event]:
        if not 1 <= limit <= 100:
            raise ValidationError("limit must be between 1 and 100")
        with self.core.unit() as connection:
            rows, more = R.events_page(
                connection, types=types, starting_after=starting_after, limit=limit
            )
        return S.ListPage[S.Event](data=[_event_model(r) for r in rows], has_more=more)

    def event(self, event_id: str) -> S.Event:
        return _event_model(self.core.existing(T.events, event_id, "event"))

    def events_after(self, after_id: str, *, limit: int = 500) -> list[S.Event]:
        """Events with an id above ``after_id``, oldest first: how other domains (the
        automations' event triggers) follow the outbox. Ids sort by creation time."""
        with self.core.engine.connect() as connection:
            rows = R.events_after(connection, after_id, min(max(limit, 1), 10_000))
        return [_event_model(row) for row in rows]

    def publish(
        self,
        event_type: str,
        resource: dict[str, Any],
        *,
        connection: sa.Connection | None = None,
    ) -> str:
        """Write an event about ``resource`` (a JSON object) to the outbox, in
        ``connection``'s transaction when given (so it commits with the change it
        reports); the event's id. For the other domains' events (automation runs)."""
        data = {"object": resource}
        if connection is not None:  # another domain's: in this platform's outbox
            platform_id = self.core.engine.get_execution_options().get(PLATFORM_OPTION)
            return R.insert_event(connection, event_type, data, platform_id)
        with self.core.unit() as own:
            return R.insert_event(own, event_type, data)

    def replay(self, endpoint_id: str, event_id: str) -> S.WebhookDelivery:
        """Deliver an event to an endpoint again (same ``webhook-id``: receivers dedupe)."""
        self.endpoint(endpoint_id)
        self.event(event_id)
        delivery_id = R.new_id("wd")
        now = R.now_micros()
        with self.core.unit() as connection:
            R.insert(
                connection,
                T.webhook_deliveries,
                _delivery_values(delivery_id, endpoint_id, event_id, now),
            )
        return self.delivery(delivery_id)

    def delivery(self, delivery_id: str) -> S.WebhookDelivery:
        return _delivery_model(
            self.core.existing(T.webhook_deliveries, delivery_id, "webhook delivery")
        )

    def deliveries(
        self, endpoint_id: str, *, limit: int = 10, starting_after: str | None = None
    ) -> S.ListPage[S.WebhookDelivery]:
        """The endpoint's deliveries, newest first (404 for an endpoint of another
        platform, as for an unknown one)."""
        with self.core.unit() as connection:
            if R.get(connection, T.webhook_endpoints, endpoint_id) is None:
                raise ResourceNotFound(f"webhook endpoint {endpoint_id!r} does not exist")
            rows, more = R.page(
                connection,
                T.webhook_deliveries,
                filters={"endpoint_id": endpoint_id},
                starting_after=starting_after,
                limit=limit,
            )
        return S.ListPage[S.WebhookDelivery](data=[_delivery_model(r) for r in rows], has_more=more)

    # -- worker --------------------------------------------------------------------------

    def dispatch(self) -> int:
        """Turn undispatched events into deliveries; returns how many events were taken.

        With no enabled endpoint there is nobody to deliver to: the events are marked
        dispatched in bulk (an endpoint receives the events written after it is
        registered, and can replay older ones)."""
        with self.core.unit() as connection:
            endpoints = R.enabled_endpoints(connection)
            if not endpoints:
                return R.mark_oldest_dispatched(connection, NO_ENDPOINT_BATCH)
            events = R.undispatched_events(connection, self.core.settings.webhook_batch_size)
            if not events:
                return 0
            now = R.now_micros()
            wanted = [(endpoint, json.loads(endpoint["event_types"])) for endpoint in endpoints]
            deliveries = [
                _delivery_values(R.new_id("wd"), endpoint["id"], event["id"], now)
                for event in events
                for endpoint, types in wanted
                if _matches(types, event["type"])
            ]
            if deliveries:
                stamped = [R.stamped(connection, values) for values in deliveries]
                connection.execute(T.webhook_deliveries.insert(), stamped)
            R.mark_dispatched(connection, [event["id"] for event in events])
        return len(events)

    def deliver_due(self, client: httpx.Client, *, now_micros: int | None = None) -> int:
        """Attempt every due delivery once; returns how many were attempted."""
        now = R.now_micros() if now_micros is None else now_micros
        lease = now + LEASE_SECONDS * 1_000_000
        with self.core.unit() as connection:
            due = R.due_deliveries(connection, now, self.core.settings.webhook_batch_size)
            claimed = [
                row
                for row in due
                if R.claim_delivery(connection, row["id"], row["attempts"], lease)
            ]
            endpoints = {row["id"]: row for row in R.enabled_endpoints(connection)}
            events = R.get_many(connection, T.events, [row["event_id"] for row in claimed])
        modes: dict[str, Mode] = {}
        for delivery in claimed:
            endpoint = endpoints.get(delivery["endpoint_id"])
            if endpoint is None:
                self._record(delivery, now, None, "endpoint disabled", final=True)
                continue
            platform_id = str(endpoint.get("platform_id") or DEFAULT_PLATFORM_ID)
            if platform_id not in modes:
                modes[platform_id] = platform_mode(self.core.engine, platform_id)
            try:
                target = self.check_url(endpoint["url"], platform_id, modes[platform_id])
            except WebhookUrlRefused as refused:
                error = f"not sent: {refused.message}"[:MAX_ERROR_LENGTH]
                self._record(delivery, now, None, error, final=False)
                continue
            self._attempt(client, delivery, target, endpoint, events[delivery["event_id"]], now)
        return len(claimed)

    def _attempt(
        self,
        client: httpx.Client,
        delivery: Row,
        target: Target,
        endpoint: Row,
        event: Row,
        now: int,
    ) -> None:
        secret = self.core.cipher.decrypt(endpoint["secret_enc"], context="webhook.secret")
        assert secret is not None
        body = event_body(event)
        headers = egress.signed_headers(secret, event["id"], body, "Coffer-Webhooks/1")
        status_code: int | None = None
        error: str | None = None
        try:
            timeout = self.core.settings.webhook_timeout_seconds
            response = target.post(client, body, headers, timeout)
            status_code = response.status_code
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except httpx.HTTPError as exc:
            error = delivery_error(exc)
        self._record(delivery, now, status_code, error, final=False)

    def _record(
        self, delivery: Row, now: int, status_code: int | None, error: str | None, *, final: bool
    ) -> None:
        attempts = delivery["attempts"] + 1
        values: dict[str, Any] = {"last_status_code": status_code, "last_error": error}
        if error is None:
            values.update(status="succeeded", next_attempt_at=None)
        else:
            delay = None if final else retry_delay(attempts)
            if delay is None:
                values.update(status="failed", next_attempt_at=None)
            else:
                values.update(next_attempt_at=now + int(delay * 1_000_000))
        with self.core.unit() as connection:
            R.update(connection, T.webhook_deliveries, delivery["id"], values)

    def run_once(self, client: httpx.Client) -> int:
        return self.dispatch() + self.deliver_due(client)


class Worker(RoundLoop):
    """Background loop: webhooks, authorization expiry, recovery of interrupted sagas."""

    thread_name = "coffer-wallets-worker"

    def __init__(
        self,
        platform: Any,
        *,
        interval_seconds: float = 1.0,
        client: httpx.Client | None = None,
        tasks: Sequence[Callable[[Any], object]] = (),
    ) -> None:
        """``platform``: one wallets platform, or a callable returning those to serve
        (every platform of the database: each one's events reach only its endpoints).
        ``tasks``: other domains' periodic work, called with each platform at the
        housekeeping cadence (each keeps its own schedule; a failing task is logged)."""
        super().__init__(interval_seconds)
        self.tasks = tuple(tasks)
        self.platform = platform
        # No redirects (they could lead anywhere), no kept-alive connections (a connection
        # made for one host's TLS name is never reused for another host on the same address).
        self.client = client or httpx.Client(
            follow_redirects=False, limits=httpx.Limits(max_keepalive_connections=0)
        )
        self._last_housekeeping = 0.0
        self._last_retention = time.monotonic()  # the first run waits one interval
        self._audit_head: AuditHeadPublisher | None = None

    def platforms(self) -> list[Any]:
        return list(self.platform()) if callable(self.platform) else [self.platform]

    def run_once(self) -> int:
        platforms = self.platforms()
        work = 0
        for platform in platforms:
            work += int(platform.webhooks.run_once(self.client))
        if platforms:
            book = platforms[0].coffer
            for ledger in book.open_ledgers():
                # the tail of a ledger whose writes stopped (checkpoint_seconds; docs/security.md)
                ledger.checkpoint_if_due()
            if self._audit_head is None:
                self._audit_head = AuditHeadPublisher(book.engine, book.signer, book.witness)
            self._audit_head.publish_if_moved()  # the audit log's head, witnessed too
        if time.monotonic() - self._last_housekeeping > 60:
            self._last_housekeeping = time.monotonic()
            for platform in platforms:
                platform.payins.expire_authorizations()
                platform.wallets.resume_pending()
                platform.wallets.recover_transfers()
                platform.payins.resume_pending()
            for task in self.tasks:
                for platform in platforms:
                    try:
                        task(platform)
                    except Exception:  # one domain's task does not stop the worker
                        logger.exception("worker task %r failed", task)
            if platforms:
                # privacy's upgrade and retention cover every platform's rows at once;
                # rows written before data keys are re-sealed a bounded batch at a time
                platforms[0].privacy.upgrade(max_customers=UPGRADE_PER_ROUND)
        if platforms:
            interval = platforms[0].core.settings.retention_interval_seconds
            if time.monotonic() - self._last_retention > interval:
                self._last_retention = time.monotonic()
                platforms[0].privacy.apply_retention()
        return work


def _delivery_values(delivery_id: str, endpoint_id: str, event_id: str, now: int) -> dict[str, Any]:
    return {
        "id": delivery_id,
        "endpoint_id": endpoint_id,
        "event_id": event_id,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "last_status_code": None,
        "last_error": None,
        "created_at": now,
        "updated_at": now,
    }


_endpoint_model = functools.partial(model_from_row, S.WebhookEndpoint)
_event_model = functools.partial(model_from_row, S.Event)
_delivery_model = functools.partial(model_from_row, S.WebhookDelivery)
