"""A map from objects, by identity, to what was made for them, kept while the object lives."""

from __future__ import annotations

import weakref
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityCache(Generic[V]):
    """Values stored for objects by identity (``id``), each dropped with its object.

    A weak reference to the object guards the entry: a later object that reuses the ``id``
    does not see the value, and the entry goes when the object is collected. Objects that take
    no weak references are not stored. Used where what is made for an immutable object (a
    transcript message's LangChain message, a message's request JSON) can be reused for as long
    as that very object is passed again; equality would be the wrong key (equal messages of
    different conversations are different objects on purpose).
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref[object], V]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, obj: object) -> V | None:
        """The value stored for ``obj`` itself, or None."""
        entry = self._entries.get(id(obj))
        if entry is None or entry[0]() is not obj:
            return None
        return entry[1]

    def put(self, obj: object, value: V) -> None:
        """Store ``value`` for ``obj`` (nothing when ``obj`` takes no weak references)."""
        key, entries = id(obj), self._entries

        def drop(ref: weakref.ref[object]) -> None:
            current = entries.get(key)
            if current is not None and current[0] is ref:
                entries.pop(key, None)

        try:
            entries[key] = (weakref.ref(obj, drop), value)
        except TypeError:
            return
