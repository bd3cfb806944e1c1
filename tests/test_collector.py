"""The cycle collector is held off inside a batch of work and back on after, however the blocks nest."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from marac.collector import collection_held


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    (gc.enable if was_enabled else gc.disable)()


def test_held_inside_and_back_on_after() -> None:
    gc.enable()
    with collection_held():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_back_on_only_when_the_last_of_overlapping_holders_ends() -> None:
    # Two batches side by side on one event loop: the first to end must not resume collection.
    gc.enable()
    first, second = collection_held(), collection_held()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_back_on_after_an_error() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), collection_held():
        raise RuntimeError("the batch failed")
    assert gc.isenabled()


def test_left_off_when_it_was_off_before() -> None:
    gc.disable()
    with collection_held():
        pass
    assert not gc.isenabled()
