"""The command line, run in-process on the real corpus and fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exit:  # argparse: --help, --version, or a wrong command or option
        code = int(exit.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_every_command_and_option_has_help() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    helps = {a.dest: a.help for a in subparsers._choices_actions}  # type: ignore[attr-defined]
    for name, sub in subparsers.choices.items():  # type: ignore[union-attr]
        assert helps.get(name), f"{name} has no help line in `arxiv-digest --help`"
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.dest}"


@pytest.mark.slow
def test_learn_writes_the_shipped_profiles(capsys: pytest.CaptureFixture[str], corpus_dir: Path,
                                           tmp_path: Path) -> None:
    out_file = tmp_path / "profiles.json"
    code, _, err = run(capsys, "learn", str(corpus_dir), "-o", str(out_file))
    assert code == 0
    assert "000_385a860a167ea3bb.txt: 81 papers" in err and "from 703 unique papers" in err
    assert "finding communities of papers ..." in err  # a line per stage, as it goes
    assert "weighed against 21014 background papers" in err
    assert out_file.read_text() == (REPO / "digest" / "data" / "profiles.json").read_text()


@pytest.mark.slow
def test_background_writes_the_shipped_statistics(capsys: pytest.CaptureFixture[str],
                                                  fixtures_dir: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "background.json"
    code, _, err = run(capsys, "background", str(fixtures_dir / "broad"),
                       str(fixtures_dir / "days"), "-o", str(out_file))
    assert code == 0 and "in 21014 papers" in err
    assert out_file.read_text() == (REPO / "digest" / "data" / "background.json").read_text()


@pytest.mark.slow
def test_learn_against_other_listings_weighs_against_them(capsys: pytest.CaptureFixture[str],
                                                          corpus_dir: Path, fixtures_dir: Path,
                                                          tmp_path: Path) -> None:
    out_file = tmp_path / "profiles.json"
    feed = fixtures_dir / "feeds" / "all-archives_2024-11-28.xml"
    code, _, err = run(capsys, "learn", str(corpus_dir), "--background", str(feed),
                       "-o", str(out_file))
    assert code == 0 and "weighed against 1504 background papers" in err
    learned = json.loads(out_file.read_text())["profiles"]
    shipped = json.loads((REPO / "digest" / "data" / "profiles.json").read_text())["profiles"]
    assert learned[0]["slug"] == "all" and learned[0]["terms"] != shipped[0]["terms"]


def test_learn_refuses_an_unknown_layout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("a single stray line\n")
    code, _, err = run(capsys, "learn", str(bad), "-o", str(tmp_path / "p.json"))
    assert code == 1 and "notes.txt:1: unknown layout" in err
    assert not (tmp_path / "p.json").exists()


def test_profiles_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "profiles")
    assert code == 0 and out.splitlines()[0].split() == ["slug", "size", "top", "terms"]
    assert any(line.startswith("neural-operators") for line in out.splitlines())
    code, out, _ = run(capsys, "profiles", "neural-operators")
    shipped = json.loads((REPO / "digest" / "data" / "profiles.json").read_text())["profiles"]
    size = next(p["size"] for p in shipped if p["slug"] == "neural-operators")
    assert code == 0 and out.startswith(f"Neural Operators (neural-operators) · {size} papers")
    exemplars = out.split("Exemplars:\n")[1].splitlines()
    assert len(exemplars) == 10 and all(line.startswith("  - ") for line in exemplars)


def test_unknown_slug_suggests_the_nearest(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "preview", "neural-operator", "--feed", "x.xml")
    assert code == 1
    assert "Unknown profile 'neural-operator'. Did you mean: neural-operators" in err


def test_preview_a_saved_rss_feed(capsys: pytest.CaptureFixture[str], fixtures_dir: Path) -> None:
    feed = fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml"
    code, out, _ = run(capsys, "preview", "quantum", "--feed", str(feed), "--min-score", "0.2")
    assert code == 0
    assert out.startswith("Quantum (quantum) · 2025-04-28 · ")
    assert " 1. [" in out and "matched: " in out and "https://arxiv.org/abs/" in out


def test_preview_background_day_as_json(capsys: pytest.CaptureFixture[str], fixtures_dir: Path) -> None:
    day = fixtures_dir / "background" / "2026-02-05_csLG-heavy.jsonl"
    code, out, _ = run(capsys, "preview", "neural-operators", "--feed", str(day), "--format", "json",
                       "--min-score", "0", "--top", "5")
    doc = json.loads(out)
    assert code == 0 and doc["considered"] == 406 and len(doc["entries"]) == 5
    assert doc["announced"] == "2026-02-05"  # a listing's date comes from its file name
    scores = [e["score"] for e in doc["entries"]]
    assert scores == sorted(scores, reverse=True)
    assert all(e["matched"] for e in doc["entries"])


def test_preview_with_nothing_above_threshold_says_so(capsys: pytest.CaptureFixture[str],
                                                      fixtures_dir: Path) -> None:
    feed = fixtures_dir / "feeds" / "quant-ph_2025-04-28.xml"
    code, out, _ = run(capsys, "preview", "neural-operators", "--feed", str(feed), "--min-score", "5")
    assert code == 0 and "Nothing scored at or above 5 for neural-operators among 50 papers." in out


@pytest.mark.parametrize("name, message", [
    ("empty_skipdays.xml", "no announcement"),
    ("error_bad_archive.xml", "astroph"),
])
def test_preview_empty_and_error_feeds(capsys: pytest.CaptureFixture[str], fixtures_dir: Path,
                                       name: str, message: str) -> None:
    code, out, err = run(capsys, "preview", "all", "--feed", str(fixtures_dir / "feeds" / name))
    assert message in out + err
    assert code == (0 if name.startswith("empty") else 1)


def test_preview_malformed_feed_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<rss><channel><item><title>cut off")
    code, _, err = run(capsys, "preview", "all", "--feed", str(broken))
    assert code == 1 and err.startswith("arxiv-digest: ")


def test_run_without_a_token_exits_with_a_message(capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    code, _, err = run(capsys, "run")
    assert code == 1 and "DISCORD_TOKEN is not set" in err


def test_the_profiles_page_is_the_shipped_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "profiles", "--format", "markdown")
    assert code == 0 and out.startswith("# Profiles")
    assert out == (REPO / "docs" / "profiles.md").read_text(encoding="utf-8")


def test_preview_checks_categories_and_filters_a_saved_file_to_them(
    capsys: pytest.CaptureFixture[str], fixtures_dir: Path
) -> None:
    feed = str(fixtures_dir / "feeds" / "all-archives_2024-11-28.xml")
    code, out, _ = run(capsys, "preview", "neural-operators", "--feed", feed,
                       "--categories", "cs.LG, stat.ML", "--min-score", "0", "--format", "json")
    assert code == 0
    entries = json.loads(out)["entries"]
    assert entries and all({"cs.LG", "stat.ML"} & set(e["categories"]) for e in entries)
    assert json.loads(out)["considered"] == 150  # of 1,504 papers, those in cs.LG or stat.ML
    code, _, err = run(capsys, "preview", "neural-operators", "--feed", feed,
                       "--categories", "quant-phh")
    assert code == 2 and "arXiv has no category 'quant-phh' (did you mean quant-ph" in err


def test_version_and_the_environment_in_run_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("arxiv-digest ") and out.split()[1][0].isdigit()
    code, out, _ = run(capsys, "run", "--help")
    assert code == 0
    for variable in ("DISCORD_TOKEN", "ARXIV_DIGEST_STATE", "ARXIV_DIGEST_RETENTION_DAYS",
                     "ARXIV_DIGEST_GRACE_HOURS", "HTTPS_PROXY"):
        assert variable in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--top", "abc"], "argument --top: 'abc' is not a whole number"),
    (["--top", "0"], "argument --top: 0 is too small"),
    (["--min-score", "nan"], "argument --min-score: nan is outside 0-10"),
    (["--min-score", "inf"], "argument --min-score: inf is outside 0-10"),
    (["--min-score", "-5"], "argument --min-score: -5 is outside 0-10"),
    (["--min-score", "high"], "argument --min-score: 'high' is not a number"),
    (["--categories", "cs.LGG"], "argument --categories: arXiv has no category 'cs.LGG'"),
])
def test_a_wrong_option_is_a_usage_error_naming_it(capsys: pytest.CaptureFixture[str],
                                                   argv: list[str], message: str) -> None:
    code, _, err = run(capsys, "preview", "all", "--feed", "unused.xml", *argv)
    assert code == 2
    assert err.splitlines()[-1].startswith(f"arxiv-digest preview: error: {message}")
    assert "Traceback" not in err


@pytest.mark.parametrize(("env", "message"), [
    ({"ARXIV_DIGEST_RETENTION_DAYS": "0"}, "ARXIV_DIGEST_RETENTION_DAYS=0 is too small: set it to 1"),
    ({"ARXIV_DIGEST_RETENTION_DAYS": "-5"}, "ARXIV_DIGEST_RETENTION_DAYS=-5 is too small"),
    ({"ARXIV_DIGEST_GRACE_HOURS": "-3"}, "ARXIV_DIGEST_GRACE_HOURS=-3 is too small: set it to 0"),
    ({"ARXIV_DIGEST_GRACE_HOURS": "six"}, "ARXIV_DIGEST_GRACE_HOURS='six' must be a whole number"),
])
def test_a_bad_variable_is_a_runtime_error_naming_it(capsys: pytest.CaptureFixture[str],
                                                     env: dict[str, str], message: str) -> None:
    code = main(["profiles"], env=env)
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("arxiv-digest: ") and message in err
    assert len(err.strip().splitlines()) == 1
