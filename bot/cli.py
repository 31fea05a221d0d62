"""The `arxiv-digest` command line: learn profiles, list them, preview a digest, run the bot.

Library errors become one-line messages here, at the program's single boundary.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import math
import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from importlib import import_module
from pathlib import Path

from bot import sources
from bot.arxiv_client import ArxivUnavailableError, ClientSettings, user_agent
from bot.config import ENVIRONMENT_HELP, Settings
from bot.library import ClientFactory, connect_to_arxiv, read_library
from digest.background import background_to_json
from digest.catalog import find_profile
from digest.categories import DEFAULT_CATEGORIES, parse_categories
from digest.errors import UserError
from digest.models import DigestOptions
from digest.profile_json import profiles_to_json
from digest.profiles import learn_profiles
from digest.rank import build_digest
from digest.render import (
    FORMATS,
    render_digest,
    render_profile,
    render_profile_list,
    render_profiles_markdown,
)
from digest.subscriptions import MIN_SCORE_RANGE, receivable
from storage import (
    check_state,
    restore_latest_backup,
)

DEFAULT_FEED = "+".join(DEFAULT_CATEGORIES)


def cmd_learn(args: argparse.Namespace) -> int:
    try:
        import_module("networkx")
        import_module("scipy.sparse")
    except ImportError as exc:
        raise sources.InputError(
            f"learn needs the optional packages networkx and scipy ({exc.name} is missing): "
            "pip install 'arxiv-digest[learn]'") from None
    paths = [Path(p) for p in args.paths] or [args.settings.corpus_path]
    _check_writable(Path(args.output))  # before minutes of learning, not after
    started = time.perf_counter()
    connect = args.connect or connect_to_arxiv(args.settings.contact)
    cache_dir = Path(args.cache) if args.cache else args.settings.cache_dir
    corpus = read_library(paths, cache_dir, connect,
                          say=lambda line: print(f"  {line}", file=sys.stderr))
    if args.background:
        background, _ = sources.read_background(Path(p) for p in args.background)
    else:
        background = sources.shipped_background()
    profiles = learn_profiles(corpus, background,
                              progress=lambda stage: print(f"  {stage} ...", file=sys.stderr))
    elapsed = time.perf_counter() - started
    _write(Path(args.output), profiles_to_json(profiles))
    print(
        f"Learned {len(profiles)} profiles from {len(corpus)} unique papers, weighed against "
        f"{background.papers} background papers, in {elapsed:.2f} s -> {args.output}",
        file=sys.stderr,
    )
    return 0


def cmd_background(args: argparse.Namespace) -> int:
    _check_writable(Path(args.output))
    background, _ = sources.read_background(Path(p) for p in args.paths)
    _write(Path(args.output), background_to_json(background))
    print(f"Counted {len(background.df)} terms in {background.papers} papers "
          f"({', '.join(background.sources)}) -> {args.output}", file=sys.stderr)
    return 0


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise sources.InputError(f"{path}: cannot write it ({exc.strerror}); choose another "
                                 "file with -o") from None


def _check_writable(path: Path) -> None:
    """Refuse an output that cannot be written, with the reason, before any work is done."""
    if path.is_dir():
        raise sources.InputError(f"{path}: is a folder; give -o a file name, e.g. {path / 'out.json'}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=True):
            pass
    except OSError as exc:
        raise sources.InputError(f"{path}: cannot write there ({exc.strerror}); choose another "
                                 "file with -o") from None


def cmd_profiles(args: argparse.Namespace) -> int:
    profiles = sources.load_profiles(_path(args.profiles) or args.settings.profiles_path)
    if args.format == "markdown":
        chosen = [find_profile(profiles, args.slug)] if args.slug else profiles
        sys.stdout.write(render_profiles_markdown(chosen))
    elif args.slug:
        sys.stdout.write(render_profile(find_profile(profiles, args.slug)))
    else:
        sys.stdout.write(render_profile_list(profiles))
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    profiles = sources.load_profiles(_path(args.profiles) or args.settings.profiles_path)
    profile = find_profile(profiles, args.slug)
    wanted: tuple[str, ...] = args.categories or ()
    if args.feed and not args.feed.startswith(("http://", "https://")):
        batch = sources.papers_from_file(Path(args.feed))
    else:
        settings = ClientSettings(user_agent=user_agent(args.settings.contact))
        try:
            batch = asyncio.run(sources.fetch_batch(
                args.feed or "+".join(wanted or DEFAULT_CATEGORIES), settings))
        except ArxivUnavailableError as exc:
            raise sources.InputError(f"{exc}; or preview a saved feed: --feed FILE") from None
    for line in batch.skipped:
        print(f"arxiv-digest: skipped {line}", file=sys.stderr)
    if batch.empty:
        print("The feed is empty: arXiv makes no announcement on weekends and holidays.")
        return 0
    options = DigestOptions(
        min_score=args.min_score,
        max_papers=args.top,
        include_cross=not args.no_cross,
        include_replacements=args.include_replacements,
    )
    papers = receivable(batch.papers, wanted, options).papers  # a saved file is filtered too
    digest = build_digest(papers, profile, options, announced=batch.announced)
    sys.stdout.write(render_digest(digest, args.format))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from bot.app import run_bot
    from bot.config import configure_logging, require_token

    settings = require_token(args.settings)
    configure_logging(settings)
    profiles = sources.load_profiles(settings.profiles_path)
    asyncio.run(run_bot(settings, profiles))
    return 0


def cmd_state(args: argparse.Namespace) -> int:
    path = Path(args.state) if args.state else args.settings.state_path
    if args.action == "check":
        report = check_state(path)
        print(report.summary())
        return 0 if report.ok else 1
    restored = restore_latest_backup(path)
    print(f"Restored {path} from {restored}.")
    return 0


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="arxiv-digest", description=__doc__.splitlines()[0],
                                     epilog="Exit status: 0 done, 1 a problem while running "
                                            "(named in one line), 2 a wrong command or option.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    learn = sub.add_parser("learn", help="learn topic profiles from a corpus of abstracts")
    learn.add_argument("paths", nargs="*", metavar="PATH",
                       help="library files or folders: BibTeX, Zotero CSV, arXiv id lists, .jsonl "
                            "listings, corpus pages (default: $ARXIV_DIGEST_CORPUS or ../shared/corpus)")
    learn.add_argument("-o", "--output", default="profiles.json",
                       help="where to write the profiles JSON (default: ./profiles.json)")
    learn.add_argument("--background", action="append", metavar="LISTING",
                       help="a saved listing (.jsonl, .xml or a folder) to weigh terms against; "
                            "repeat for more (default: the shipped statistics of arXiv at large)")
    learn.add_argument("--cache", metavar="DIR",
                       help="where to keep abstracts looked up on arXiv (default: $ARXIV_DIGEST_CACHE "
                            "or ~/.cache/arxiv-digest)")
    learn.set_defaults(func=cmd_learn)

    background = sub.add_parser(
        "background", help="count what arXiv at large writes in saved listings, for learn")
    background.add_argument("paths", nargs="+", metavar="LISTING",
                            help="background listings (.jsonl), saved feeds (.xml) or folders")
    background.add_argument("-o", "--output", default="background.json",
                            help="where to write the statistics (default: ./background.json)")
    background.set_defaults(func=cmd_background)

    profiles = sub.add_parser("profiles", help="list the profiles, or show one in full")
    profiles.add_argument("slug", nargs="?", help="a profile slug to show in full")
    profiles.add_argument("--profiles", help="profiles JSON to use instead of the shipped ones")
    profiles.add_argument("--format", choices=("text", "markdown"), default="text",
                          help="text, or a Markdown page (as docs/profiles.md is made)")
    profiles.set_defaults(func=cmd_profiles)

    preview = sub.add_parser("preview", help="rank today's feed (or a saved one) against a profile")
    preview.add_argument("slug", help="the profile to rank against, e.g. neural-operators")
    preview.add_argument("--feed", metavar="FILE_OR_URL",
                         help="a saved feed (.xml), a background listing (.jsonl) or a feed URL")
    preview.add_argument("--categories", type=_categories,
                         help="arXiv categories joined with '+' or commas; for a live feed the "
                              f"default is {DEFAULT_FEED}, a saved file is filtered to them")
    preview.add_argument("--top", type=_positive_int, default=10, help="at most N papers (default 10)")
    preview.add_argument("--min-score", type=_score, default=DigestOptions().min_score,
                         help=f"threshold on the calibrated score (default {DigestOptions().min_score})")
    preview.add_argument("--include-replacements", action="store_true",
                         help="also rank replaced (revised) papers")
    preview.add_argument("--no-cross", action="store_true", help="leave out cross-listed papers")
    preview.add_argument("--format", choices=FORMATS, default="text", help="output format")
    preview.add_argument("--profiles", help="profiles JSON to use instead of the shipped ones")
    preview.set_defaults(func=cmd_preview)

    run = sub.add_parser(
        "run", help="run the Discord bot (configured from the environment)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the Discord bot until it is stopped. It reads:\n" + ENVIRONMENT_HELP)
    run.set_defaults(func=cmd_run)

    state = sub.add_parser("state", help="check the state file, or restore it from a backup")
    state.add_argument("action", choices=("check", "restore"),
                       help="check: validate the file; restore: bring back the newest good backup")
    state.add_argument("--state", help="state file (default: $ARXIV_DIGEST_STATE or data/state.json)")
    state.set_defaults(func=cmd_state)
    return parser


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number (e.g. 10)") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is too small: give at least 1")
    return number


def _categories(value: str) -> tuple[str, ...]:
    try:
        return parse_categories(value, sources.shipped_categories())
    except UserError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _score(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number (e.g. 0.35)") from None
    low, high = MIN_SCORE_RANGE
    if not math.isfinite(number) or not low <= number <= high:
        raise argparse.ArgumentTypeError(
            f"{value} is outside {low:g}-{high:g} (1.0 is as on-topic as the profile's own papers)")
    return number


def _version() -> str:
    try:
        return importlib.metadata.version("arxiv-digest")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None, *,
         connect: ClientFactory | None = None) -> int:
    """Run one command: a problem while running prints one line and exits with status 1;
    argparse refuses a wrong command or option with status 2. `connect` makes the arXiv client
    from a session (default: arXiv itself, at its spacing)."""
    args = build_parser().parse_args(argv)
    args.connect = connect
    try:
        args.settings = Settings.from_env(os.environ if env is None else env, need_token=False)
        return int(args.func(args))
    except UserError as exc:
        print(f"arxiv-digest: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

