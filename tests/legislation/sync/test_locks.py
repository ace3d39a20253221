"""Scope locks: released or taken over with their holder, renewed while an import commits, and "busy" is never a
success (legislation/sync/common.py, legislation/tasks.py, manage.py sync_bills)."""

from __future__ import annotations

import io
import socket

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from legislation.importers import import_files
from legislation.importers.runs import heartbeat
from legislation.sync import ScopeBusy, scope_lock
from tests.factories import BillLinkFactory

from ..importers.payloads import DEMO_PAGES

KEY = "sync:lock:openstates:sync:ca"


@pytest.fixture(autouse=True)
def clean_locks():
    cache.delete(KEY)
    yield
    cache.delete(KEY)


def test_a_live_holder_keeps_its_lock():
    cache.set(KEY, f"{socket.gethostname()}:1 task other", 60)  # pid 1 lives
    with pytest.raises(ScopeBusy, match="another worker"), scope_lock("openstates", "sync:ca"):
        pass


def test_a_lock_whose_process_is_gone_is_taken_over():
    cache.set(KEY, f"{socket.gethostname()}:{2**22 + 7} task dead 00ff", 600)
    with scope_lock("openstates", "sync:ca"):
        assert cache.get(KEY).startswith(f"{socket.gethostname()}:")
        assert "dead" not in cache.get(KEY)
    assert cache.get(KEY) is None


def test_a_redelivered_task_takes_its_own_lock_over(monkeypatch):
    # The first delivery's worker died holding the lock (on another host: its pid cannot be checked); the same task
    # delivered again carries the same id and takes the lock instead of finding it busy.
    cache.set(KEY, "elsewhere:42 task 5f0c 00ff", 600)
    monkeypatch.setattr("legislation.sync.common.worker_identity", lambda: f"{socket.gethostname()}:9 task 5f0c")
    with scope_lock("openstates", "sync:ca"):
        assert cache.get(KEY).startswith(f"{socket.gethostname()}:9 task 5f0c ")
    monkeypatch.setattr("legislation.sync.common.worker_identity", lambda: f"{socket.gethostname()}:9 task 7777")
    cache.set(KEY, "elsewhere:42 task 5f0c 00ff", 600)
    with pytest.raises(ScopeBusy), scope_lock("openstates", "sync:ca"):
        pass


def redis_key():
    """The lock's key in Redis, and a client, to read and shorten its time to live."""
    key = cache.make_and_validate_key(KEY)
    return cache._cache.get_client(key, write=True), key


def test_the_lock_lives_a_short_ttl_renewed_by_each_committed_chunk(settings, seeded):
    settings.SYNC_LOCK_TTL = 30
    client, key = redis_key()
    with scope_lock("openstates", "sync:ca"):
        assert 0 < client.ttl(key) <= 30
        client.expire(key, 5)
        heartbeat()
        assert client.ttl(key) > 5
        client.expire(key, 5)
        import_files(source="openstates", paths=DEMO_PAGES[:1])  # its chunks renew the lock
        assert client.ttl(key) > 5


def test_sync_bills_by_hand_exits_3_with_a_clear_message_when_a_scope_is_busy(fake, demo_bills):
    from legislation.models import Bill

    BillLinkFactory(bill=Bill.objects.get(jurisdiction__code="ca", identifier="AB 701"))
    Bill.objects.filter(jurisdiction__code="ca", identifier="AB 701").update(stage="in_committee")
    cache.set(KEY, f"{socket.gethostname()}:1", 60)
    with pytest.raises(CommandError, match=r"1 scopes busy, not synced .*openstates ca") as caught:
        call_command("sync_bills", "openstates", stdout=io.StringIO(), stderr=io.StringIO())
    assert caught.value.returncode == 3
    assert fake.count("openstates") == 0
