"""Memory given back when sessions end: expired sessions shut down, malloc tuned and trimmed."""

from __future__ import annotations

import platform
import threading
from types import SimpleNamespace

import pytest
from streamlit.runtime.caching.ttl_cache import TTLCache
from streamlit.runtime.memory_session_storage import MemorySessionStorage
from streamlit.runtime.session_manager import SessionInfo

from lib import memory

GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


class FakeSession:
    def __init__(self, session_id: str) -> None:
        self.id = session_id
        self.shut_down = 0

    def shutdown(self) -> None:
        self.shut_down += 1


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def runtime_with_storage(ttl: float = 120):
    """A stand-in for Streamlit's runtime around its real in-memory session storage."""
    clock = Clock()
    storage = MemorySessionStorage(ttl_seconds=ttl)
    storage._cache = TTLCache(maxsize=128, ttl=ttl, timer=clock)
    manager = SimpleNamespace(_session_storage=storage, _storage_lock=threading.Lock())
    return SimpleNamespace(_session_mgr=manager), storage, clock


def test_expired_sessions_are_shut_down_and_the_others_kept():
    runtime, storage, clock = runtime_with_storage(ttl=120)
    old, recent = FakeSession("old"), FakeSession("recent")
    storage.save(SessionInfo(client=None, session=old))
    clock.now = 100
    storage.save(SessionInfo(client=None, session=recent))
    assert memory.shut_down_expired_sessions(runtime) == 0
    clock.now = 121
    assert memory.shut_down_expired_sessions(runtime) == 1
    assert old.shut_down == 1 and recent.shut_down == 0
    assert [info.session.id for info in storage.list()] == ["recent"]
    assert len(storage._cache._data) == 1, "the expired session is no longer held"
    clock.now = 221
    assert memory.shut_down_expired_sessions(runtime) == 1
    assert recent.shut_down == 1 and not storage._cache._data
    assert memory.shut_down_expired_sessions(runtime) == 0


def test_a_session_that_reconnected_in_time_is_not_shut_down():
    runtime, storage, clock = runtime_with_storage(ttl=120)
    back = FakeSession("back")
    storage.save(SessionInfo(client=None, session=back))
    clock.now = 60
    storage.delete("back")  # Streamlit takes it out of storage when its browser comes back
    clock.now = 500
    assert memory.shut_down_expired_sessions(runtime) == 0
    assert back.shut_down == 0


def test_another_session_storage_is_left_alone():
    runtime = SimpleNamespace(_session_mgr=SimpleNamespace(_session_storage=object()))
    assert memory.shut_down_expired_sessions(runtime) == 0
    assert memory.shut_down_expired_sessions(object()) == 0


def test_sweeps_follow_the_time_a_disconnected_session_is_kept(monkeypatch):
    from streamlit import config

    for ttl, expected in ((120, 15.0), (10, 2.5), (2, 1.0), (3600, 15.0)):
        monkeypatch.setattr(config, "get_option", lambda key, ttl=ttl: ttl)
        assert memory.sweep_seconds() == expected


@pytest.mark.skipif(not GLIBC, reason="glibc's mallopt")
def test_malloc_thresholds_are_fixed():
    assert memory.tune_malloc() is True


@pytest.mark.skipif(not GLIBC, reason="glibc's malloc_trim")
def test_release_memory_hands_free_holes_back():
    """Freed blocks between live ones stay resident until trimmed."""
    import pyarrow  # noqa: F401 - loaded before the holes are made, as in the app

    memory.tune_malloc()
    blocks = [b"\x01" * (64 * 1024) for _ in range(2000)]  # 125 MiB, written, malloc'ed
    del blocks[1::2]  # 62 MiB of holes between the blocks still held
    before = memory.resident_mb()
    memory.release_memory()
    after = memory.resident_mb()
    assert before - after > 30, (before, after)
    del blocks
