"""Bad input on the command line: one line naming the file, option or variable and the fix, exit
status 1 (a problem while running) or 2 (a wrong command or option), and never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.cli import build_parser, main


def fails(capsys: pytest.CaptureFixture[str], *argv: str, env: dict[str, str] | None = None,
          status: int = 1) -> str:
    """Run a command that must fail; its one line of error."""
    try:
        code = main(list(argv), env=env or {})
    except SystemExit as exit:
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    assert code == status, (out, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == (2 if status == 2 else 1), err  # argparse adds its usage line
    return lines[-1]


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "latin1.txt").write_bytes("Café au lait\nR\xe9sum\xe9".encode("latin-1"))
    (tmp_path / "blob.bin").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)))
    (tmp_path / "blob.xml").write_bytes(b"\0\1\2\3" * 64)
    (tmp_path / "page.html").write_text("<!doctype html><html><body><p>Not a feed")
    (tmp_path / "bad.jsonl").write_text('{oops\n')
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "broken.json").write_text('{"version": 1, "profiles": [')
    (tmp_path / "folder.txt").mkdir()
    return tmp_path


def test_learn_refuses_unreadable_corpus_files_by_name(capsys: pytest.CaptureFixture[str],
                                                      files: Path) -> None:
    line = fails(capsys, "learn", str(files / "latin1.txt"), "-o", str(files / "p.json"))
    assert line == (f"arxiv-digest: {files / 'latin1.txt'}: is not UTF-8 text (byte 3); "
                    "give a corpus file saved as UTF-8")
    line = fails(capsys, "learn", str(files / "blob.bin"), "-o", str(files / "p.json"))
    assert line == f"arxiv-digest: {files / 'blob.bin'}: is binary data, not a corpus file"
    line = fails(capsys, "learn", str(files / "folder.txt" / "none.txt"), "-o", str(files / "p.json"))
    assert "no such file or folder" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_learn_names_a_file_it_may_not_read(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("Title\nAbstract")
    secret.chmod(0)
    line = fails(capsys, "learn", str(secret), "-o", str(tmp_path / "p.json"))
    assert line.startswith(f"arxiv-digest: {secret}: cannot read it (Permission denied)")


def test_learn_checks_its_output_before_learning(capsys: pytest.CaptureFixture[str], files: Path,
                                                 corpus_dir: Path) -> None:
    line = fails(capsys, "learn", str(corpus_dir), "-o", str(files))
    assert line.startswith(f"arxiv-digest: {files}: is a folder; give -o a file name")
    line = fails(capsys, "learn", str(corpus_dir), "-o", "/proc/profiles.json")
    assert line.startswith("arxiv-digest: /proc/profiles.json: cannot write there (")
    assert line.endswith("choose another file with -o")


def test_background_listings_may_come_before_the_corpus() -> None:
    args = build_parser().parse_args(["learn", "--background", "bg/", "corpus/", "-o", "p.json"])
    assert (args.paths, args.background) == (["corpus/"], ["bg/"])
    args = build_parser().parse_args(["learn", "corpus/", "--background", "a/", "--background", "b/"])
    assert (args.paths, args.background) == (["corpus/"], ["a/", "b/"])


@pytest.mark.parametrize(("name", "message"), [
    ("blob.bin", "is binary data, not a saved feed (.xml)"),
    ("blob.xml", "is binary data, not a saved feed (.xml)"),
    ("empty.jsonl", "holds no papers; give a background listing (.jsonl) with at least one"),
    ("bad.jsonl", "background listing line 1:"),
    ("page.html", ""),
])
def test_preview_names_a_feed_file_it_cannot_use(capsys: pytest.CaptureFixture[str], files: Path,
                                                 name: str, message: str) -> None:
    line = fails(capsys, "preview", "all", "--feed", str(files / name))
    assert line.startswith(f"arxiv-digest: {files / name}: {message}")
    assert "truncated" not in line


def test_a_profiles_file_that_is_not_one_is_named(capsys: pytest.CaptureFixture[str],
                                                  files: Path) -> None:
    line = fails(capsys, "profiles", "--profiles", str(files / "blob.bin"))
    assert line == f"arxiv-digest: {files / 'blob.bin'}: is binary data, not a profiles JSON file"
    line = fails(capsys, "profiles", "--profiles", str(files / "broken.json"))
    assert line.startswith(f"arxiv-digest: {files / 'broken.json'}: profiles document is not valid JSON")
    assert line.endswith("make one with `arxiv-digest learn -o FILE`")
    line = fails(capsys, "preview", "all", "--feed", "x.xml", env={
        "ARXIV_DIGEST_PROFILES": str(files / "missing.json")})
    assert line.startswith(f"arxiv-digest: {files / 'missing.json'}: cannot read it (No such file")


def test_background_of_an_empty_listing_is_refused(capsys: pytest.CaptureFixture[str],
                                                   files: Path) -> None:
    line = fails(capsys, "background", str(files / "empty.jsonl"), "-o", str(files / "bg.json"))
    assert "empty.jsonl: holds no papers" in line
    assert not (files / "bg.json").exists()


def test_an_unknown_profile_suggests_what_autocomplete_would(capsys: pytest.CaptureFixture[str]) -> None:
    line = fails(capsys, "profiles", "pde")
    assert line.startswith("arxiv-digest: Unknown profile 'pde'. Did you mean: pde-solvers")


def test_preview_without_a_network_says_what_to_do_and_does_not_retry_a_failed_lookup(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    # .invalid never resolves (RFC 2606): the name lookup fails at once, as with no network
    line = fails(capsys, "preview", "all", "--feed", "http://arxiv.invalid/rss/cs.LG")
    assert line.startswith("arxiv-digest: arXiv unavailable: GET http://arxiv.invalid/rss/cs.LG "
                           "failed after 1 attempt; last: ")
    assert line.endswith("Check the network (and HTTPS_PROXY behind a proxy), or try again later; "
                         "or preview a saved feed: --feed FILE")
