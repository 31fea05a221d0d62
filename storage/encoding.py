"""Compact JSON for the state file, re-encoding only the documents written since the last flush.

Encoding ~20 MB of papers would be most of a flush's cost, while a day changes a few thousand
documents; so each document's JSON is kept and reused until a table reports it written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

Tables = dict[str, dict[str, Any]]

_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_json(data: object) -> bytes:
    """Compact UTF-8 JSON: no spaces, no ASCII escapes (the file's size is what it costs)."""
    return _JSON.encode(data).encode("utf-8")


class IncrementalEncoder:
    """Encodes a TinyDB tables dict like `encode_json`, reusing the bytes of unchanged documents.

    Every write must be reported with `touch`; a table whose document count no longer matches
    its kept encodings is re-encoded whole, as a safety net.
    """

    def __init__(self) -> None:
        self._texts: dict[str, dict[str, bytes]] = {}
        self._touched: dict[str, set[str] | None] = {}

    def touch(self, table: str, keys: Iterable[str] | None) -> None:
        """Note documents of `table` inserted, changed or removed (None: maybe all of them)."""
        if keys is None:
            self._touched[table] = None
        elif (known := self._touched.setdefault(table, set())) is not None:
            known.update(keys)

    def encode(self, data: Tables) -> list[bytes]:
        """The whole database as compact JSON, in chunks to be written one after another."""
        chunks = [b"{"]
        for name, docs in data.items():
            if len(chunks) > 1:
                chunks.append(b",")
            texts = self._refresh(name, docs)
            chunks += [encode_json(name), b":{", b",".join(texts.values()), b"}"]
        chunks.append(b"}")
        self._touched.clear()
        for stale in set(self._texts) - set(data):
            del self._texts[stale]
        return chunks

    def _refresh(self, name: str, docs: dict[str, Any]) -> dict[str, bytes]:
        texts = self._texts.get(name)
        touched = self._touched.get(name, set())
        if texts is None or touched is None:
            texts = {key: _document(key, doc) for key, doc in docs.items()}
        else:
            for key in touched:
                if key in docs:
                    texts[key] = _document(key, docs[key])
                else:
                    texts.pop(key, None)
            if len(texts) != len(docs):
                texts = {key: _document(key, doc) for key, doc in docs.items()}
        self._texts[name] = texts
        return texts


def _document(key: str, doc: Any) -> bytes:
    return f"{_JSON.encode(key)}:{_JSON.encode(doc)}".encode()
