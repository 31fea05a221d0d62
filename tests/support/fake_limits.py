"""Discord's rate limits as its documentation describes them, for the fake Discord.

- Every bucketed route answers with `X-RateLimit-Limit`, `-Remaining`, `-Reset` (epoch seconds),
  `-Reset-After` (seconds) and `-Bucket`. A bucket is a route template and its major parameter
  (channel, guild, or webhook id and token); its window opens with its first request.
- Posting to a channel: 5 messages per 5 s per channel. Other routes get a generous bucket, so
  that their headers are real without slowing the tests.
- The global limit: 50 requests in any one second per bot, over every route except the
  interaction endpoints (callbacks and the interaction webhook), which Discord exempts.
- A refused request gets 429 with `retry_after` and `global` in the body, `Retry-After`, and the
  `Via` header Discord's edge adds (discord.py treats a 429 without it as a Cloudflare ban).

The clocks are parameters so that the rules can be tested without waiting.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

GLOBAL_PER_S = 50
RATE_LIMITED = "You are being rate limited."


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `count` requests per window of `per_s` seconds."""

    count: int
    per_s: float


CHANNEL_MESSAGES = Limit(5, 5.0)
DEFAULT_ROUTE = Limit(50, 1.0)
CHANNEL_ROUTE = "POST /channels/{channel}/messages"
ROUTE_LIMITS: Mapping[str, Limit] = {CHANNEL_ROUTE: CHANNEL_MESSAGES}


@dataclass(slots=True)
class _Window:
    used: int = 0
    resets_at: float = 0.0


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a request may go through, and the headers (and 429 body) that say so."""

    allowed: bool
    headers: dict[str, str]
    body: dict[str, Any] | None = None  # the 429 body when refused
    is_global: bool = False


@dataclass
class RateLimiter:
    """Per-route buckets and the global limit, with Discord's headers."""

    global_per_s: int | None = GLOBAL_PER_S  # None: no global limit
    routes: Mapping[str, Limit] = field(default_factory=lambda: dict(ROUTE_LIMITS))
    default: Limit = DEFAULT_ROUTE
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    _windows: dict[tuple[str, str], _Window] = field(default_factory=dict)
    _recent: deque[float] = field(default_factory=deque)  # global: arrival times in the last second

    def check(self, route: str, major: str, *, global_exempt: bool = False) -> Decision:
        """Count one request on `route` ("METHOD /template") for the major parameter `major`."""
        now = self.clock()
        limit = self.routes.get(route, self.default)
        window = self._windows.setdefault((route, major), _Window())
        if now >= window.resets_at:
            window.used, window.resets_at = 0, now + limit.per_s
        reset_after = window.resets_at - now
        headers = {
            "X-RateLimit-Limit": str(limit.count),
            "X-RateLimit-Remaining": str(max(0, limit.count - window.used)),
            "X-RateLimit-Reset": f"{self.wall() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": _bucket_hash(route),
        }
        if not global_exempt and self.global_per_s is not None:
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.global_per_s:
                retry = self._recent[0] + 1.0 - now
                return Decision(False, {**headers, **_retry_headers(retry), "X-RateLimit-Global": "true",
                                        "X-RateLimit-Scope": "global"},
                                _body(retry, is_global=True), is_global=True)
            self._recent.append(now)
        if window.used >= limit.count:
            return Decision(False, {**headers, **_retry_headers(reset_after),
                                    "X-RateLimit-Scope": "user"}, _body(reset_after, is_global=False))
        window.used += 1
        headers["X-RateLimit-Remaining"] = str(limit.count - window.used)
        return Decision(True, headers)


def _bucket_hash(route: str) -> str:
    return hashlib.sha1(route.encode()).hexdigest()[:16]


def _retry_headers(retry_after: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(retry_after))), "Via": "1.1 google"}


def _body(retry_after: float, *, is_global: bool) -> dict[str, Any]:
    return {"message": RATE_LIMITED, "retry_after": round(max(retry_after, 0.001), 3),
            "global": is_global, "code": 0}
