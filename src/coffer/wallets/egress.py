"""Where webhooks may be sent: the egress policy that keeps deliveries off internal networks,
and the signed POST (per Standard Webhooks) that delivers one.

A webhook endpoint's URL is checked when it is registered and again at every delivery,
after DNS resolution, and the delivery connects to the very address that was checked (the
``Host`` header and the TLS server name stay the URL's host), so a name that resolves to a
public address at registration and to an internal one later (DNS rebinding) is refused.

- every platform: addresses that are private (10/8, 172.16/12, 192.168/16, fc00::/7),
  link-local (169.254/16, where cloud metadata services answer, fe80::/10), shared
  CGNAT space (100.64/10), multicast, unspecified (0.0.0.0, ::), reserved or otherwise
  not globally routable are refused; so are IPv4-mapped IPv6 forms of them;
- live platforms: only ``https`` URLs whose host resolves to public addresses;
- sandbox platforms: also ``http`` and loopback addresses (127/8, ::1), for local
  development, unless ``webhook_sandbox_allow_loopback`` is off.

A name that resolves to several addresses is accepted only when all of them are.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

import httpx

from coffer.errors import ValidationError
from coffer.platforms.mode import Mode

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
"""``resolve(host, port)`` -> the addresses ``host`` resolves to (text form)."""

_CGNAT: Final = ipaddress.ip_network("100.64.0.0/10")


class WebhookUrlRefused(ValidationError, code="webhook_url_refused"):
    """A webhook endpoint's URL is not allowed by the egress policy."""

    hint = "Register a public https URL (sandbox platforms may also use http and loopback)."


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the operating system's resolver."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookUrlRefused(f"the host {host!r} does not resolve ({exc})") from None
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


@dataclass(frozen=True, slots=True)
class Target:
    """A checked URL: the address to connect to, and the URL's own host and port."""

    url: str
    scheme: str
    host: str
    port: int
    address: IPAddress

    def connect_url(self) -> str:
        """The URL with its host replaced by the checked address."""
        parts = urlsplit(self.url)
        literal = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        netloc = f"{literal}:{self.port}"
        path = parts.path or "/"
        query = f"?{parts.query}" if parts.query else ""
        return f"{self.scheme}://{netloc}{path}{query}"

    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"

    def post(
        self, client: httpx.Client, content: bytes, headers: Mapping[str, str], timeout: float
    ) -> httpx.Response:
        """POST ``content`` to the checked address, with the URL's own host as ``Host``
        header and TLS server name (and certificate check)."""
        extensions = {"sni_hostname": self.host} if self.scheme == "https" else {}
        return client.post(
            self.connect_url(),
            content=content,
            headers={**headers, "host": self.host_header()},
            timeout=timeout,
            extensions=extensions,
        )


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value (``v1,<base64 HMAC-SHA256>``)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, body: bytes, user_agent: str) -> dict[str, str]:
    """The headers of a JSON webhook ``body`` signed per Standard Webhooks, timestamped now."""
    timestamp = int(time.time())
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
        "user-agent": user_agent,
    }


def address_problem(address: IPAddress, *, loopback_allowed: bool) -> str | None:
    """Why ``address`` may not receive webhooks, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if loopback_allowed else "a loopback address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services answer)"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "a shared (CGNAT) address"
    if address.is_private:
        return "a private address"
    if address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


def check_url(url: str, mode: Mode, resolver: Resolver, *, sandbox_loopback: bool = True) -> Target:
    """Check ``url`` for a platform in ``mode``; return where to connect, or raise
    :class:`WebhookUrlRefused` saying why."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise WebhookUrlRefused(f"invalid webhook URL: {exc}") from None
    scheme = parts.scheme.lower()
    local_development = mode == "sandbox" and sandbox_loopback
    allowed_schemes = ("https", "http") if local_development else ("https",)
    if scheme not in allowed_schemes:
        raise WebhookUrlRefused(
            "webhook URLs must use https"
            + (
                ""
                if mode == "live"
                else " (http is allowed on sandbox platforms only when "
                "webhook_sandbox_allow_loopback is on)"
            )
        )
    host = parts.hostname
    if not host:
        raise WebhookUrlRefused("the webhook URL has no host")
    if parts.username is not None or parts.password is not None:
        raise WebhookUrlRefused("the webhook URL must not carry credentials (user:password@)")
    port = port if port is not None else (443 if scheme == "https" else 80)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    answers = [str(literal)] if literal is not None else list(resolver(host, port))
    if not answers:
        raise WebhookUrlRefused(f"the host {host!r} does not resolve")
    checked: list[IPAddress] = []
    for answer in answers:
        try:
            address = ipaddress.ip_address(answer.split("%", 1)[0])
        except ValueError:
            raise WebhookUrlRefused(f"the host {host!r} resolves to {answer!r}") from None
        problem = address_problem(address, loopback_allowed=local_development)
        if problem is not None:
            raise WebhookUrlRefused(
                f"the webhook host {host!r} resolves to {problem} ({address}); "
                + (
                    "live platforms deliver only to public addresses"
                    if mode == "live"
                    else "sandbox platforms deliver to public and loopback addresses only"
                )
            )
        checked.append(address)
    return Target(url=url, scheme=scheme, host=host, port=port, address=checked[0])
