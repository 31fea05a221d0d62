"""The one HTTP client for arXiv: RSS feeds and the export API over an injected aiohttp session,
spaced as arXiv's terms ask, retried with backoff, and failing with one named error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import urlencode

import aiohttp

from digest.errors import UserError

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]


def _package_version() -> str:
    try:
        return version("arxiv-digest")
    except PackageNotFoundError:
        return "dev"


def user_agent(contact: str = "") -> str:
    """What the bot calls itself to arXiv, with the operator's contact when one is configured
    (arXiv asks automated clients for one: ARXIV_DIGEST_CONTACT)."""
    base = f"arxiv-digest/{_package_version()}"
    return f"{base} ({contact.strip()})" if contact.strip() else base


USER_AGENT = user_agent()
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ArxivUnavailableError(UserError):
    """arXiv could not be reached, or kept failing until the retries ran out."""

    def __init__(self, url: str, cause: str, attempts: int) -> None:
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        super().__init__(f"arXiv unavailable: GET {url} failed after {tries}; last: {cause}. "
                         "Check the network (and HTTPS_PROXY behind a proxy), or try again later")
        self.url = url
        self.cause = cause
        self.attempts = attempts


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """Where arXiv lives and how politely to ask it; `retries` counts tries after the first."""

    rss_base: str = "https://rss.arxiv.org/rss/"
    api_base: str = "https://export.arxiv.org/api/query"
    timeout_s: float = 30.0
    min_interval_s: float = 3.0
    retries: int = 3
    backoff_s: float = 1.0
    user_agent: str = USER_AGENT
    max_body_bytes: int = 32 * 2**20  # a whole announcement day of every archive is about 3 MB


@dataclass(frozen=True, slots=True)
class FeedResponse:
    """A feed fetch: the body, or `not_modified` (304, no body), and the validators to send next time."""

    status: int
    body: bytes | None
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    body: bytes
    etag: str | None
    last_modified: str | None


class ArxivClient:
    """Fetches feeds and API answers, one request at a time, at least `min_interval_s` apart."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: ClientSettings | None = None,
        sleep: Sleep = asyncio.sleep,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        self.session = session
        self.settings = settings or ClientSettings()
        self._sleep = sleep
        self._monotonic = monotonic
        self._lock = asyncio.Lock()
        self._last_request: float | None = None

    async def fetch_feed(
        self,
        categories: Sequence[str],
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FeedResponse:
        """The RSS feed of the categories joined with '+', conditional on the validators given."""
        if not categories:
            raise ValueError("fetch_feed needs at least one category")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        url = self.settings.rss_base + "+".join(categories)
        answer = await self._get(url, headers, accept={200, 304})
        if answer.status == 304:
            # A 304 may omit the validators; the ones we sent are still the current ones.
            return FeedResponse(
                304,
                None,
                answer.etag or etag,
                answer.last_modified or last_modified,
                not_modified=True,
            )
        return FeedResponse(answer.status, answer.body, answer.etag, answer.last_modified)

    async def fetch_papers(self, ids: Sequence[str]) -> bytes:
        """The API's Atom answer for these ids; a 400 (bad id) is returned for parse_api to report."""
        if not ids:
            raise ValueError("fetch_papers needs at least one id")
        query = urlencode({"id_list": ",".join(ids), "max_results": len(ids)}, safe=",/:")
        answer = await self._get(f"{self.settings.api_base}?{query}", {}, accept={200, 400})
        return answer.body

    async def fetch_url(self, url: str) -> bytes:
        """The body of any arXiv URL (e.g. a full feed URL), with the same spacing and retries."""
        answer = await self._get(url, {}, accept={200})
        return answer.body

    async def _get(self, url: str, headers: dict[str, str], accept: Collection[int]) -> _Answer:
        attempts = self.settings.retries + 1
        cause = "no attempt made"
        for attempt in range(attempts):
            if attempt:
                await self._sleep(self.settings.backoff_s * 2 ** (attempt - 1))
            try:
                answer = await self._attempt(url, headers)
            except TimeoutError:
                cause = f"timed out after {self.settings.timeout_s:g} s"
            except aiohttp.ClientConnectorDNSError as exc:  # no network or no name: no retry helps
                raise ArxivUnavailableError(url, _describe(exc), attempt + 1) from exc
            except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
                cause = _describe(exc)
            except aiohttp.ClientError as exc:
                raise ArxivUnavailableError(url, _describe(exc), attempt + 1) from exc
            else:
                if answer.status in accept:
                    return answer
                cause = f"HTTP {answer.status}"
                if answer.status not in RETRY_STATUSES:
                    raise ArxivUnavailableError(url, cause, attempt + 1)
            log.warning("arXiv GET %s failed (try %d of %d): %s", url, attempt + 1, attempts, cause)
        raise ArxivUnavailableError(url, cause, attempts)

    async def _attempt(self, url: str, headers: dict[str, str]) -> _Answer:
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_s)
        async with self._lock:
            await self._wait_turn()
            request_headers = {"User-Agent": self.settings.user_agent, **headers}
            async with self.session.get(
                url, headers=request_headers, timeout=timeout, raise_for_status=False
            ) as response:
                # read() raises ClientPayloadError when the body ends before its Content-Length.
                body = await self._read_capped(url, response)
                return _Answer(
                    response.status,
                    body,
                    response.headers.get("ETag"),
                    response.headers.get("Last-Modified"),
                )

    async def _read_capped(self, url: str, response: aiohttp.ClientResponse) -> bytes:
        """The body, or ArxivUnavailableError as soon as it passes `max_body_bytes` (no answer of
        arXiv's is that large; reading one whole would cost the bot its memory)."""
        limit = self.settings.max_body_bytes
        if (response.content_length or 0) > limit:
            raise ArxivUnavailableError(url, f"the answer is {response.content_length} bytes, "
                                        f"over the {limit}-byte limit", 1)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.content.iter_chunked(1 << 16):
            size += len(chunk)
            if size > limit:
                raise ArxivUnavailableError(url, f"the answer passed the {limit}-byte limit", 1)
            chunks.append(chunk)
        return b"".join(chunks)

    async def _wait_turn(self) -> None:
        if self._last_request is not None:
            wait_s = self._last_request + self.settings.min_interval_s - self._monotonic()
            if wait_s > 0:
                await self._sleep(wait_s)
        self._last_request = self._monotonic()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
