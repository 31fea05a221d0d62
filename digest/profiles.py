"""Learning topic profiles from a corpus of abstracts, weighed against arXiv at large.

`learn_profiles` is the one pipeline: find the corpus's topics (`digest.topics`), weigh each
topic's terms by how much more its papers use them than both arXiv at large (the background
statistics) and the rest of the corpus (its sibling topics) do, name it by its phrase, and
calibrate it so that its typical paper scores 1.0. `all`, the corpus as a whole, is weighed
against the background alone.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace

from digest.background import Background, paper_keys
from digest.errors import UserError
from digest.models import ALL_SLUG, CorpusPaper, Exemplar, Profile, Term
from digest.naming import display_forms, display_name, slug_of
from digest.rank import Features, paper_features, raw_scores
from digest.text import holds_prose, ngrams
from digest.topics import MAX_ACRONYM, MIN_TOPIC_PAPERS, Topic, find_topics

PRIOR = 0.5  # pseudo-papers on each side of every document-frequency ratio
COVERAGE_POWER = 0.5  # a term's weight grows with the square root of its share of the topic
MIN_TERM_PAPERS = 2  # a term fewer of a topic's papers use is not trusted to describe it
MAX_TERMS = 300
MAX_ALL_TERMS = 1000
N_EXEMPLARS = 10
ABSENT_DF = 1  # background papers assumed to use a term the statistics do not list
WHOLE_SHARE = 0.75  # a phrase's longer form names a topic if most of its uses are that form

Progress = Callable[[str], None]


class CorpusTooSmallError(UserError):
    """A corpus with too few papers to find topics in."""


def learn_profiles(papers: Sequence[CorpusPaper], background: Background,
                   progress: Progress | None = None) -> list[Profile]:
    """The profiles of a corpus: `all` first, then its topics, largest first."""
    return [profile for profile, _ in learn_with_members(papers, background, progress)]


def learn_with_members(papers: Sequence[CorpusPaper], background: Background,
                       progress: Progress | None = None
                       ) -> list[tuple[Profile, tuple[CorpusPaper, ...]]]:
    """The profiles of a corpus as `learn_profiles` makes them, each with the corpus papers it
    was learned from (its members: what its scale calls a typical paper)."""
    if background.papers < 1:
        raise ValueError("profiles are weighed against background statistics; none were given")
    if len(papers) < 2 * MIN_TOPIC_PAPERS:
        raise CorpusTooSmallError(
            f"need at least {2 * MIN_TOPIC_PAPERS} papers to find topics, got {len(papers)}")
    say = progress or (lambda _: None)
    papers = sorted(papers, key=lambda p: (p.title, p.abstract, p.source))  # order is moot
    keys = [frozenset(paper_keys(p.title, p.abstract)) for p in papers]
    topics = find_topics(keys, [f"{p.title}. {p.abstract}" for p in papers], background, say)
    say(f"weighing {len(topics)} topics against the corpus and arXiv at large")
    df = Counter(k for found in keys for k in found)
    forms = display_forms(papers)
    feats = [paper_features(p) for p in papers]
    everyone = frozenset(range(len(papers)))
    whole = (_profile(ALL_SLUG, "Everything in the corpus",
                      _weights(everyone, keys, df, background, siblings=False),
                      everyone, papers, feats, forms, MAX_ALL_TERMS), tuple(papers))
    named = [(_name(topic, keys, papers), topic) for topic in topics]
    quads = {key for key, _ in named if key.count(" ") == 3}
    forms |= display_forms(papers, only=quads, max_n=4) if quads else {}
    learned = []
    for key, topic in named:
        name = forms.get(key, key).replace("_", "-")
        weights = _weights(topic.members, keys, df, background, siblings=True)
        learned.append((_profile(slug_of(name), display_name(name), weights, topic.members,
                                 papers, feats, forms, MAX_TERMS),
                        tuple(papers[m] for m in sorted(topic.members))))
    learned.sort(key=lambda pm: (-pm[0].size, pm[0].slug))
    unique = _unique_slugs([p for p, _ in learned])
    return [whole, *zip(unique, (m for _, m in learned), strict=True)]


def _weights(members: Collection[int], keys: Sequence[frozenset[str]], df: Counter[str],
             background: Background, *, siblings: bool) -> dict[str, float]:
    """Each term's weight for a set of papers: the log odds of the papers using it over arXiv at
    large using it (and, for a topic, over the rest of the corpus using it), whichever is
    smaller, times the square root of the share of the papers that use it; 0 if not positive."""
    inside = Counter(k for m in members for k in keys[m])
    n, total, others = len(members), background.papers, len(keys) - len(members)
    out: dict[str, float] = {}
    for key, count in inside.items():
        if count < MIN_TERM_PAPERS or holds_prose(key):
            continue
        share = (count + PRIOR) / (n + 2 * PRIOR)
        arxiv = (background.df.get(key, ABSENT_DF) + PRIOR) / (total + 2 * PRIOR)
        odds = math.log(share / arxiv)
        if siblings:
            rest = (df[key] - count + PRIOR) / (others + 2 * PRIOR)
            odds = min(odds, math.log(share / rest))
        if odds > 0:
            out[key] = odds * share**COVERAGE_POWER
    return out


def _profile(slug: str, name: str, weights: dict[str, float], members: Collection[int],
             papers: Sequence[CorpusPaper], all_feats: Sequence[Features], forms: dict[str, str],
             limit: int) -> Profile:
    """A calibrated profile of the strongest terms, strongest first (relative to the top one,
    six places), with its best-scoring members as exemplars."""
    strongest = sorted(weights, key=lambda k: (-weights[k], k))[:limit]
    top = weights[strongest[0]] if strongest else 1.0
    relative = {k: round(weights[k] / top, 6) for k in strongest}
    own = [papers[m] for m in sorted(members)]
    feats = [all_feats[m] for m in sorted(members)]
    terms = tuple(Term(k, forms.get(k, k), relative[k]) for k in strongest if relative[k] > 0)
    profile = Profile(slug, name, terms, (), len(members), 1.0)
    raw = raw_scores([profile], feats)[:, 0]
    positive = [float(r) for r in raw if r > 0]
    scale = round(statistics.median(positive), 6) if positive else 1.0
    ranked = sorted(range(len(own)), key=lambda i: (-float(raw[i]), own[i].title))
    exemplars = tuple(Exemplar(own[i].title, own[i].arxiv_id) for i in ranked[:N_EXEMPLARS])
    return replace(profile, scale=scale, exemplars=exemplars)


def _name(topic: Topic, keys: Sequence[frozenset[str]], papers: Sequence[CorpusPaper]) -> str:
    """The key of what a topic is called: of its phrase and aliases (each grown to the longer
    phrase most of its uses belong to, up to four words), the one most of its papers use,
    phrases before single words and spelled-out terms before acronyms."""
    used = Counter(k for m in topic.members for k in keys[m])
    names = {_grown(k, used) for k in (topic.key, *topic.aliases)}
    best = min(names, key=lambda k: (" " not in k and len(k) <= MAX_ACRONYM,
                                     " " not in k, -used[k], k))
    if best.count(" ") == 2:  # terms stop at three words; a name may take a fourth
        quads = Counter(q for m in sorted(topic.members)
                        for q in set(ngrams(f"{papers[m].title}. {papers[m].abstract}", 4))
                        if q.count(" ") == 3 and f" {best} " in f" {q} ")
        common = [q for q, n in quads.items() if n >= WHOLE_SHARE * used[best]]
        if common:
            best = max(common, key=lambda q: (quads[q], q))
    return best


def _grown(key: str, used: Counter[str]) -> str:
    """The phrase one word longer (at most three words) that most uses of `key` belong to, grown
    again while that holds; `key` itself if none."""
    while key.count(" ") < 2:
        padded = f" {key} "
        longer = [k for k, n in used.items() if k.count(" ") == key.count(" ") + 1
                  and padded in f" {k} " and n >= WHOLE_SHARE * used[key]]
        if not longer:
            return key
        key = max(longer, key=lambda k: (used[k], k))
    return key


def _unique_slugs(profiles: Sequence[Profile]) -> list[Profile]:
    """Profiles with a shared (or reserved) slug get their best other term appended."""
    counts = Counter(p.slug for p in profiles)
    out = []
    for p in profiles:
        if counts[p.slug] > 1 or p.slug == ALL_SLUG:
            extra = next((t.text for t in p.terms if slug_of(t.text) not in p.slug), str(p.size))
            p = replace(p, slug=f"{p.slug}-{slug_of(extra)}", name=f"{p.name} ({extra})")
        out.append(p)
    return out
