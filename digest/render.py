"""Rendering digests and profiles as terminal text, Markdown or JSON."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from typing import Any, Literal

from digest.models import ABS_URL, Digest, Paper, Profile, ScoredPaper

Format = Literal["text", "markdown", "json"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "json")


def shorten_authors(authors: Sequence[str], max_names: int = 3) -> str:
    """'A, B, C et al.' for long author lists; all names when there are few."""
    if not authors:
        return "(no authors listed)"
    if len(authors) <= max_names + 1:
        return ", ".join(authors)
    return ", ".join(authors[:max_names]) + " et al."


def excerpt(text: str, max_chars: int) -> str:
    """The text cut at a word boundary to at most `max_chars`, with an ellipsis if cut."""
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
    return cut + "…"


def describe_hits(entry: ScoredPaper, max_terms: int = 6) -> str:
    """The matched terms, title hits marked with an asterisk."""
    names = [f"{h.term}*" if h.in_title else h.term for h in entry.hits[:max_terms]]
    more = len(entry.hits) - max_terms
    return ", ".join(names) + (f" (+{more} more)" if more > 0 else "")


def _header(digest: Digest) -> str:
    day = digest.announced.isoformat() if digest.announced else "undated feed"
    return (
        f"{digest.profile.name} ({digest.profile.slug}) · {day} · "
        f"{len(digest.entries)} of {digest.considered} papers at score ≥ {digest.options.min_score:g}"
    )


def _empty_note(digest: Digest) -> str:
    return (
        f"Nothing scored at or above {digest.options.min_score:g} for {digest.profile.slug} "
        f"among {digest.considered} papers."
    )


def render_text(digest: Digest, width: int = 100) -> str:
    """A readable ranked list for a terminal."""
    lines = [_header(digest), ""]
    if not digest.entries:
        return "\n".join([*lines, _empty_note(digest)]) + "\n"
    for rank, entry in enumerate(digest.entries, 1):
        paper = entry.paper
        head = f"{rank:>2}. [{entry.score:.2f}] "
        lines.extend(textwrap.wrap(paper.title, width, initial_indent=head,
                                   subsequent_indent=" " * len(head)))
        pad = " " * len(head)
        lines.append(f"{pad}{shorten_authors(paper.authors)}")
        lines.append(f"{pad}{paper.arxiv_id} · {paper.abs_url}")
        lines.append(f"{pad}matched: {describe_hits(entry)}")
        lines.append("")
    lines.append("* = matched in the title")
    return "\n".join(lines) + "\n"


def render_markdown(digest: Digest) -> str:
    """A Markdown list, one entry per paper."""
    lines = [f"## {_header(digest)}", ""]
    if not digest.entries:
        return "\n".join([*lines, _empty_note(digest)]) + "\n"
    for rank, entry in enumerate(digest.entries, 1):
        paper = entry.paper
        lines.append(f"{rank}. **[{paper.title}]({paper.abs_url})** — score {entry.score:.2f}  ")
        lines.append(f"   {shorten_authors(paper.authors)} · `{paper.arxiv_id}`  ")
        lines.append(f"   matched: {describe_hits(entry)}")
    return "\n".join(lines) + "\n"


def paper_to_dict(paper: Paper) -> dict[str, Any]:
    """A JSON-ready view of a paper."""
    return {
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "title": paper.title,
        "authors": list(paper.authors),
        "categories": list(paper.categories),
        "announce_type": paper.announce_type,
        "abs_url": paper.abs_url,
        "pdf_url": paper.pdf_url,
        "abstract": paper.abstract,
    }


def render_json(digest: Digest) -> str:
    """The digest as a JSON document."""
    doc = {
        "profile": digest.profile.slug,
        "announced": digest.announced.isoformat() if digest.announced else None,
        "considered": digest.considered,
        "min_score": digest.options.min_score,
        "entries": [
            {
                "rank": rank,
                "score": entry.score,
                "matched": [{"term": h.term, "in_title": h.in_title,
                             "contribution": round(h.contribution, 4)} for h in entry.hits],
                **paper_to_dict(entry.paper),
            }
            for rank, entry in enumerate(digest.entries, 1)
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_digest(digest: Digest, fmt: Format = "text") -> str:
    """The digest in the asked-for format."""
    if fmt == "json":
        return render_json(digest)
    if fmt == "markdown":
        return render_markdown(digest)
    return render_text(digest)


def render_profile_list(profiles: Sequence[Profile], n_terms: int = 6) -> str:
    """One line per profile: slug, size and top terms."""
    width = max((len(p.slug) for p in profiles), default=4)
    lines = [f"{'slug':<{width}}  size  top terms"]
    for p in profiles:
        terms = ", ".join(t.text for t in p.top_terms(n_terms))
        lines.append(f"{p.slug:<{width}}  {p.size:>4}  {terms}")
    return "\n".join(lines) + "\n"


def render_profile(profile: Profile, n_terms: int = 40) -> str:
    """One profile in full: name, size, weighted terms and exemplars."""
    lines = [f"{profile.name} ({profile.slug}) · {profile.size} papers · scale {profile.scale:g}", ""]
    lines.append("Terms (weight):")
    lines.extend(textwrap.wrap(", ".join(f"{t.text} ({t.weight:.2f})"
                                         for t in profile.terms[:n_terms]), 100,
                               initial_indent="  ", subsequent_indent="  "))
    if len(profile.terms) > n_terms:
        lines.append(f"  … and {len(profile.terms) - n_terms} more")
    lines += ["", "Exemplars:"]
    for ex in profile.exemplars:
        ref = ABS_URL.format(ex.arxiv_id) if ex.arxiv_id else "(no arXiv id)"
        lines.append(f"  - {ex.title} {ref}")
    return "\n".join(lines) + "\n"


def render_profiles_markdown(profiles: Sequence[Profile], n_terms: int = 12,
                             n_exemplars: int = 3) -> str:
    """A Markdown page of the profiles, so their names can be checked by reading: per profile
    its size, strongest terms and first exemplar papers."""
    lines = [
        "# Profiles",
        "",
        (f"{len(profiles)} profiles; for each, how many corpus papers it was learned from, its "
         f"{n_terms} strongest terms (strongest first) and its {n_exemplars} most typical "
         "papers."),
        "Generated by `arxiv-digest profiles --format markdown`; a test keeps it in step with the",
        "shipped profiles.",
        "",
    ]
    for profile in profiles:
        lines += [f"## {profile.name} (`{profile.slug}`)", "",
                  f"{profile.size} papers. Terms: "
                  + ", ".join(t.text for t in profile.top_terms(n_terms)) + ".", ""]
        lines += [f"- {e.title}" + (f" ({e.arxiv_id})" if e.arxiv_id else "")
                  for e in profile.exemplars[:n_exemplars]]
        lines.append("")
    return "\n".join(lines)
