"""Consecutive batches of an iterator (``itertools.batched`` arrives with Python 3.12)."""

import itertools
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of ``size`` items in order, the last one shorter when they do not divide."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
