"""A scope lock that Redis lost while its holder runs (restarted with nothing kept: docs/RELIABILITY.md, "Crashes"):
the holder takes it again at its next committed chunk, so a second sync of the scope finds it busy again; a lock
another worker took meanwhile is left to it."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from legislation.importers.runs import heartbeat
from legislation.sync import ScopeBusy, scope_lock

from .test_locks import KEY, clean_locks  # noqa: F401 - clean_locks is an autouse fixture


def test_a_lock_the_cache_lost_is_taken_again_at_the_next_chunk():
    with scope_lock("openstates", "sync:ca"):
        token = cache.get(KEY)
        cache.delete(KEY)  # what a Redis restarted empty leaves
        heartbeat()  # a chunk committed
        assert cache.get(KEY) == token
        with pytest.raises(ScopeBusy), scope_lock("openstates", "sync:ca"):
            pass
    assert cache.get(KEY) is None


def test_a_lock_another_worker_took_meanwhile_is_left_to_it():
    with scope_lock("openstates", "sync:ca"):
        cache.set(KEY, "elsewhere:42 task other 00ff", 600)
        heartbeat()
        assert cache.get(KEY) == "elsewhere:42 task other 00ff"
    assert cache.get(KEY) == "elsewhere:42 task other 00ff"  # not released by the one that lost it
