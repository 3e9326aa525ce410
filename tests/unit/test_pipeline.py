"""The reader thread between QuickBooks and Salesforce: at most `depth` pages ahead, and it tells
when its source is read to the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.engine.pipeline import Prefetcher

#: How long a test waits for the reader thread at most (a bound, not a figure).
PATIENCE_S = 20


def test_exhausted_once_the_source_is_read_to_its_end_not_before() -> None:
    reader = Prefetcher(iter(range(5)), depth=1)
    pages = iter(reader)
    assert next(pages) == 0
    # At most one page waits in the queue and one in the reader's hand: two are still unread.
    assert not reader.exhausted.is_set()
    assert list(pages) == [1, 2, 3, 4]
    assert reader.exhausted.wait(PATIENCE_S)
    assert reader.completed


def test_exhausted_but_not_completed_when_the_source_fails_or_the_reader_is_closed() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise OSError("QuickBooks went away")

    broken = Prefetcher(failing(), depth=1)
    with pytest.raises(OSError, match="went away"):
        list(broken)
    assert broken.exhausted.wait(PATIENCE_S)
    assert not broken.completed

    closed = Prefetcher(iter(range(100)), depth=1)
    closed.close()
    assert closed.exhausted.wait(PATIENCE_S)
    assert not closed.completed
