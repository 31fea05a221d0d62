"""TinyDB tables whose document ids are the records' natural keys, so a lookup is a dict access."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, MutableMapping
from typing import Any, cast

from tinydb import TinyDB
from tinydb.queries import QueryLike
from tinydb.table import Document, Table

from storage.atomic import WriteBackCache

Doc = dict[str, Any]
Edit = Callable[[MutableMapping[str, Any]], None]


class KeyedTable(Table):
    """A table keyed by strings such as an arXiv id; each method here is one TinyDB operation.

    TinyDB's write methods are wrapped to tell the storage which documents they wrote, and
    write in place (see `_update_table`).
    """

    document_id_class = str  # type: ignore[assignment]  # TinyDB's documented customisation point

    def insert(self, document: Mapping[Any, Any]) -> int:
        doc_id = super().insert(document)
        self._touch([doc_id])
        return doc_id

    def insert_multiple(self, documents: Iterable[Mapping[Any, Any]]) -> list[int]:
        return self._touch(super().insert_multiple(documents))

    def update(
        self, fields: Mapping[Any, Any] | Callable[[MutableMapping[Any, Any]], None],
        cond: QueryLike | None = None, doc_ids: Iterable[int] | None = None,
    ) -> list[int]:
        return self._touch(super().update(fields, cond, doc_ids))

    def update_multiple(self, updates: Iterable[tuple[Any, QueryLike]]) -> list[int]:
        return self._touch(super().update_multiple(updates))

    def remove(
        self, cond: QueryLike | None = None, doc_ids: Iterable[int] | None = None,
    ) -> list[int]:
        return self._touch(super().remove(cond, doc_ids))

    def truncate(self) -> None:
        super().truncate()
        self._touch(None)

    def _update_table(self, updater: Callable[[dict[int, Mapping[Any, Any]]], None]) -> None:
        # TinyDB copies the whole table on every write, to turn JSON's string ids into ints and
        # back. Ids here are strings already, so edit the cached table in place: a write costs
        # what it changes, not what the table holds.
        tables = self._storage.read() or {}
        updater(cast(dict[int, Mapping[Any, Any]], tables.setdefault(self.name, {})))
        self._storage.write(tables)
        self.clear_cache()

    def _touch(self, doc_ids: list[int] | None) -> list[int]:
        storage = self.storage
        if isinstance(storage, WriteBackCache):
            storage.touch(self.name, None if doc_ids is None else [str(i) for i in doc_ids])
        return doc_ids or []

    def by_key(self, key: str) -> Doc | None:
        """The document stored under `key` (its nested values are live: don't mutate), or None."""
        return self.get(doc_id=key)  # type: ignore[call-overload, no-any-return]

    def put(self, key: str, doc: Doc) -> bool:
        """Store `doc` under `key` in one operation, replacing any old one; True if it was new."""
        def replace(old: MutableMapping[str, Any]) -> None:
            old.clear()
            old.update(doc)

        if self.by_key(key) is None:
            self.insert(Document(doc, doc_id=cast(int, key)))
            return True
        self.update(replace, doc_ids=[cast(int, key)])
        return False

    def change(self, keys: Collection[str], edit: Edit) -> int:
        """Apply `edit` in place to the documents under `keys`; how many existed."""
        if not keys:
            return 0
        return len(self.update(edit, doc_ids=cast(list[int], list(keys))))

    def drop(self, keys: Collection[str]) -> int:
        """Remove the documents under `keys`; how many existed."""
        if not keys:
            return 0
        return len(self.remove(doc_ids=cast(list[int], list(keys))))

    def put_many(self, docs: Mapping[str, Doc]) -> None:
        """Store many documents in two operations, replacing any already there."""
        if not docs:
            return
        self.drop([key for key in docs if self.by_key(key) is not None])
        self.insert_multiple(Document(doc, doc_id=cast(int, key)) for key, doc in docs.items())

    def keys(self) -> list[str]:
        """Every document's key, without reading the documents."""
        return [str(k) for k in self._read_table()]

    def keyed(self) -> Iterator[tuple[str, Doc]]:
        """Every (key, document) pair, in insertion order."""
        for doc in self:
            yield cast(str, doc.doc_id), doc


class StateDB(TinyDB):
    """A TinyDB whose tables are keyed tables."""

    table_class = KeyedTable

    def keyed_table(self, name: str) -> KeyedTable:
        """The named table."""
        return cast(KeyedTable, self.table(name))
