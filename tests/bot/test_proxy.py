"""Behind an institution's proxy: `preview` reaches arXiv through HTTPS_PROXY / HTTP_PROXY."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from bot.cli import main


class _Proxy(http.server.BaseHTTPRequestHandler):
    """A forward proxy that knows one host, arxiv.test, and serves its feed itself."""

    feed: ClassVar[bytes] = b""
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.seen.append(self.path)  # absolute-form: the client asked a proxy
        if not self.path.startswith("http://arxiv.test/"):
            self.send_error(502, "this proxy only knows arxiv.test")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(self.feed)))
        self.end_headers()
        self.wfile.write(self.feed)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy(fixtures_dir: Path) -> Iterator[tuple[str, list[str]]]:
    handler = type("Proxy", (_Proxy,), {
        "feed": (fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml").read_bytes(), "seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_preview_goes_through_the_proxy_in_the_environment(
        proxy: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    url, seen = proxy
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    # arxiv.test resolves nowhere: only a request handed to the proxy can get an answer.
    code = main(["preview", "quantum", "--feed", "http://arxiv.test/rss/quant-ph",
                 "--min-score", "0", "--top", "3"], env={})
    out, err = capsys.readouterr()
    assert code == 0, err
    assert seen == ["http://arxiv.test/rss/quant-ph"]
    assert "quant" in out.lower() and out.count("https://arxiv.org/abs/") == 3
