"""Memory given back when sessions end: expired sessions shut down, malloc tuned and trimmed."""

from __future__ import annotations

import platform
import threading
from types import SimpleNamespace

import pytest
from streamlit.runtime.caching.ttl_cache import TTLCache
from streamlit.runtime.memory_session_storage import MemorySessionStorage
from streamlit.runtime.session_manager import SessionInfo

from lib.ui import memory

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


def test_one_failing_shutdown_does_not_keep_the_others():
    runtime, storage, clock = runtime_with_storage(ttl=10)
    broken, fine = FakeSession("broken"), FakeSession("fine")

    def fail() -> None:
        raise RuntimeError("cannot shut down")

    broken.shutdown = fail
    storage.save(SessionInfo(client=None, session=broken))
    storage.save(SessionInfo(client=None, session=fine))
    clock.now = 11
    assert memory.shut_down_expired_sessions(runtime) == 2
    assert fine.shut_down == 1


def test_pyarrows_default_pool_becomes_malloc(monkeypatch):
    import pyarrow as pa

    previous = pa.default_memory_pool()
    monkeypatch.setattr(memory, "_previous_arrow_pools", [])
    try:
        assert memory.use_system_pool_for_arrow() == "system"
        assert pa.default_memory_pool().backend_name == "system"
        assert memory._previous_arrow_pools[0].backend_name == previous.backend_name
        memory.release_memory()  # every pool, old and new, is asked to give memory back
    finally:
        pa.set_memory_pool(previous)


def test_without_a_server_the_process_is_left_as_it_is(monkeypatch):
    """AppTest and bare runs: no sweeper, so neither malloc nor pyarrow is changed."""
    import pyarrow as pa

    calls = []
    monkeypatch.setattr(memory, "_state", {})
    monkeypatch.setattr(memory, "tune_malloc", lambda: calls.append("malloc"))
    monkeypatch.setattr(memory, "use_system_pool_for_arrow", lambda: calls.append("arrow"))
    backend = pa.default_memory_pool().backend_name
    memory.prepare_process()
    memory.prepare_process()
    assert calls == [] and memory._state == {"sweeper": False}
    assert pa.default_memory_pool().backend_name == backend


def test_with_a_server_everything_is_set_once(monkeypatch):
    calls = []
    monkeypatch.setattr(memory, "_state", {})
    monkeypatch.setattr(memory, "start_session_sweeper", lambda: calls.append("sweeper") or True)
    monkeypatch.setattr(memory, "tune_malloc", lambda: calls.append("malloc") or True)
    monkeypatch.setattr(memory, "use_system_pool_for_arrow",
                        lambda: calls.append("arrow") or "system")
    memory.prepare_process()
    memory.prepare_process()
    assert calls == ["sweeper", "malloc", "arrow"]
