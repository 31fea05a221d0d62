"""Finding a corpus's topics: the phrases its papers are about, each with the papers that use it.

Two kinds of phrase name a topic. A *community anchor* is the term that best marks one of the
communities of the papers' similarity graph (found at several resolutions, so that both broad
and narrow subjects surface). A *cross-cutting phrase* is an established multi-word term of
arXiv at large (a collocation in the background statistics) whose papers sit close together in
the graph although no single community holds them. A topic's papers are those that use its
phrase; phrases whose papers mostly coincide are one topic.

Everything here is counting and comparisons on rounded similarities, with a seeded community
search, so the same corpus gives the same topics on every platform and library version.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from digest.background import Background
from digest.text import holds_prose

MIN_TOPIC_PAPERS = 8  # a theme with fewer corpus papers is not a topic
MAX_TOPIC_SHARE = 0.1  # a phrase in more of the corpus than this is the corpus, not a topic ...
MAX_TOPIC_FLOOR = 4 * MIN_TOPIC_PAPERS  # ... unless the corpus is so small that it must be
GRAPH_NEIGHBOURS = 10
SIMILARITY_PLACES = 4  # similarities are rounded, so float noise cannot reorder neighbours
RESOLUTIONS = (1.0, 2.0, 4.0, 8.0, 16.0)
MIN_COMMUNITY = 5
MIN_ANCHOR_F1 = 0.4  # how well a term must mark its community to name it
MIN_ANCHOR_MEMBERS = 3
MIN_ANCHOR_LIFT = 4.0  # how much more often a community must use its anchor than arXiv at large
MIN_COLLOCATION = 0.15  # share of a word's arXiv-wide uses that are inside the phrase
MIN_ESTABLISHED = 10  # background papers that must use a cross-cutting phrase
MIN_CLUSTERING = 6.0  # how much likelier a phrase's papers are to be each other's neighbours
SAME_TOPIC_JACCARD = 0.5
SAME_TOPIC_CONTAINED = 0.75  # a topic most of whose papers another topic has is part of it
MAX_HYPHENATED = 0.5  # a phrase mostly written hyphenated ("zero-shot") modifies, not names
MAX_ACRONYM = 5  # letters
ADJECTIVE_ENDINGS = ("ive", "ous", "able", "ible", "ful", "less", "ly")
SEED = 0
BLOCK = 256  # papers per block when finding neighbours (bounds memory)

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Topic:
    """A phrase (n-gram key) and its aliases, and the corpus papers (positions) using any."""

    key: str
    aliases: tuple[str, ...]
    members: frozenset[int]
    strength: float  # how well the phrase marks its papers (F1, or clustering / 10 for phrases)


def find_topics(keys: Sequence[frozenset[str]], texts: Sequence[str], background: Background,
                progress: Progress | None = None) -> list[Topic]:
    """The topics of a corpus given each paper's n-gram keys and text, strongest first."""
    say = progress or (lambda _: None)
    df = Counter(k for found in keys for k in found)
    users: dict[str, set[int]] = {}
    for position, found in enumerate(keys):
        for key in found:
            if MIN_TOPIC_PAPERS <= df[key] <= max(MAX_TOPIC_SHARE * len(keys), MAX_TOPIC_FLOOR):
                users.setdefault(key, set()).add(position)
    say(f"finding each paper's {GRAPH_NEIGHBOURS} nearest papers")
    neighbours, similarity = nearest_papers(keys, df, background)
    say("finding communities of papers")
    nameable = {k for k in users if _can_name(k, background)}
    established = {k for k in nameable if " " in k and _established(k, background)}
    anchors = _community_anchors(keys, df, neighbours, similarity, nameable, background)
    phrases = _cross_cutting(users, neighbours, established, len(keys))
    modifiers = _mostly_hyphenated(set(phrases) - set(anchors), " ".join(texts).lower())
    ordered = [*sorted(anchors.items(), key=lambda kv: (-kv[1], kv[0])),
               *sorted(((k, s) for k, s in phrases.items() if k not in anchors.keys() | modifiers),
                       key=lambda kv: (-kv[1], kv[0]))]
    spelled = established - modifiers
    candidates = [(k, _spelled_out(k, frozenset(users[k]), spelled, users), s) for k, s in ordered]
    return _merge([(k, frozenset(users[k]) | (frozenset(users[e]) if e else frozenset()),
                    s, e) for k, e, s in candidates])


def _can_name(key: str, background: Background) -> bool:
    """Whether a term may name a topic: not ending in an adjective or adverb, not a single word
    every field uses alike ("phenomenon", "perturbation"), and holding no prose word."""
    return (not key.split()[-1].endswith(ADJECTIVE_ENDINGS) and key not in background.general
            and not holds_prose(key))


def _established(key: str, background: Background) -> bool:
    """Whether a phrase is an established term of arXiv at large: used in enough background
    papers, and by a good share of the papers that use one of its words."""
    words = key.split()
    uses = background.df.get(key, 0)
    share = max(uses / max(background.df.get(words[0], 1), 1),
                uses / max(background.df.get(words[-1], 1), 1))
    return uses >= MIN_ESTABLISHED and share >= MIN_COLLOCATION


def _spelled_out(key: str, members: frozenset[int], phrases: set[str],
                 users: dict[str, set[int]]) -> str | None:
    """For a short word (an acronym: "RL"), the established phrase that most of its papers use
    and more papers use in all ("reinforcement learning"), if any."""
    if " " in key or len(key) > MAX_ACRONYM:
        return None
    found = [k for k in phrases if len(users[k]) > len(members)
             and len(users[k] & members) >= SAME_TOPIC_CONTAINED * len(members)]
    return max(found, key=lambda k: (len(users[k] & members), -len(users[k]), k), default=None)


def nearest_papers(keys: Sequence[frozenset[str]], df: Counter[str], background: Background
                   ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Each paper's nearest papers by cosine of IDF-weighted term presence (IDF over the corpus
    and the background together), similarities rounded, ties to the earlier paper."""
    from scipy import sparse

    vocab = sorted(k for k, n in df.items() if n >= 2)
    column = {k: i for i, k in enumerate(vocab)}
    total = len(keys) + background.papers + 1
    idf = np.array([math.log(total / (df[k] + background.df.get(k, 0) + 1)) for k in vocab])
    rows = [i for i, found in enumerate(keys) for k in sorted(found) if k in column]
    cols = [column[k] for found in keys for k in sorted(found) if k in column]
    matrix = sparse.csr_matrix((idf[cols], (rows, cols)), shape=(len(keys), len(vocab)))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sparse.csr_matrix(sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ matrix)
    count = min(GRAPH_NEIGHBOURS, len(keys) - 1)
    out = np.zeros((len(keys), count), dtype=np.int64)
    similarity = np.zeros((len(keys), count))
    positions = np.arange(len(keys))
    for start in range(0, len(keys), BLOCK):
        block = np.round((matrix[start:start + BLOCK] @ matrix.T).toarray(), SIMILARITY_PLACES)
        block[np.arange(len(block)), np.arange(start, start + len(block))] = -np.inf
        for offset, row in enumerate(block):
            nearest = np.lexsort((positions, -row))[:count]
            out[start + offset] = nearest
            similarity[start + offset] = row[nearest]
    return out, similarity


def _graph(neighbours: NDArray[np.int64], similarity: NDArray[np.float64]) -> Any:
    """The symmetric nearest-neighbour graph, edges weighted by (rounded) similarity."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(len(neighbours)))
    for paper, (near, weights) in enumerate(zip(neighbours.tolist(), similarity.tolist(), strict=True)):
        for other, weight in zip(near, weights, strict=True):
            if weight > 0 and not graph.has_edge(paper, other):
                graph.add_edge(paper, other, weight=weight)
    return graph


def _community_anchors(keys: Sequence[frozenset[str]], df: Counter[str],
                       neighbours: NDArray[np.int64], similarity: NDArray[np.float64],
                       nameable: set[str], background: Background) -> dict[str, float]:
    """The term that best marks each community at each resolution (by F1 of "the paper has the
    term" as a test of membership), with its best F1. Only terms that may name a topic, and that
    the community uses far more often than arXiv at large does, are considered."""
    import networkx as nx

    graph = _graph(neighbours, similarity)
    best: dict[str, float] = {}
    for resolution in RESOLUTIONS:
        communities = nx.community.louvain_communities(
            graph, weight="weight", resolution=resolution, seed=SEED)
        for community in sorted(communities, key=min):
            if len(community) < MIN_COMMUNITY:
                continue
            inside = Counter(k for paper in community for k in keys[paper])
            size = len(community)
            scored = [(2 * n / (df[k] + size), k) for k, n in inside.items()
                      if k in nameable and n >= MIN_ANCHOR_MEMBERS
                      and n / size >= MIN_ANCHOR_LIFT * _arxiv_share(k, background)]
            if not scored:
                continue
            f1, key = max(scored, key=lambda fk: (fk[0], fk[1].count(" "), fk[1]))
            if f1 >= MIN_ANCHOR_F1 and f1 > best.get(key, 0.0):
                best[key] = round(f1, 6)
    return best


def _arxiv_share(key: str, background: Background) -> float:
    return (background.df.get(key, 0) + 1) / (background.papers + 2)


def _cross_cutting(users: dict[str, set[int]], neighbours: NDArray[np.int64],
                   established: set[str], n_papers: int) -> dict[str, float]:
    """Established phrases whose papers cluster in the graph although no community holds them:
    each with how much likelier its papers are than chance to be each other's neighbours."""
    near = [frozenset(row) for row in neighbours.tolist()]
    found: dict[str, float] = {}
    for key in sorted(established):
        members = users[key]
        inside = sum(len(near[m] & members) for m in members) / (len(members) * neighbours.shape[1])
        clustering = inside / (len(members) / n_papers)
        if clustering >= MIN_CLUSTERING:
            found[key] = round(clustering / 10.0, 6)  # on a scale comparable with F1
    return found


def _mostly_hyphenated(phrases: set[str], text: str) -> set[str]:
    """The phrases the corpus mostly writes with hyphens: modifiers ("zero-shot", "pre-trained",
    "real-time"), which describe how a thing is done rather than what it is about."""
    out = set()
    for phrase in sorted(phrases):
        joined = text.count(phrase.replace(" ", "-"))
        if joined > MAX_HYPHENATED * (joined + text.count(phrase)):
            out.add(phrase)
    return out


def _merge(candidates: Sequence[tuple[str, frozenset[int], float, str | None]]) -> list[Topic]:
    """Phrases in order of strength; one that names the same topic as an earlier one becomes its
    alias (and adds its papers)."""
    topics: list[tuple[str, list[str], frozenset[int], set[int], float]] = []
    for key, members, strength, expansion in candidates:
        for primary, aliases, own, papers, _ in topics:
            if _same_topic(members, own, {primary, *aliases}, {key, expansion or key}):
                aliases.extend(k for k in (key, expansion) if k and k not in aliases)
                papers |= members
                break
        else:
            topics.append((key, [expansion] if expansion else [], members, set(members), strength))
    return [Topic(k, tuple(a), frozenset(m), s) for k, a, _, m, s in topics]


def _same_topic(a: frozenset[int], b: frozenset[int], names_a: set[str], names_b: set[str]
                ) -> bool:
    """Two phrases name one topic if their papers mostly coincide, or if most of one's papers
    are the other's and the phrases share a word ("Fourier neural operator", "neural operator")."""
    shared = len(a & b)
    if shared >= SAME_TOPIC_JACCARD * len(a | b):
        return True
    words_a = {w for k in names_a for w in k.split()}
    return (shared >= SAME_TOPIC_CONTAINED * min(len(a), len(b))
            and any(w in words_a for k in names_b for w in k.split()))
