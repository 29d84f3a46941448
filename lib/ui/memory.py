"""The server's memory: what a session held is given back to the system when the session ends.

One server process serves every visitor, and each session holding an upload keeps the file's
bytes (Streamlit's uploader) and what was made of them (`st.session_state`). Four things kept
that memory after the session had gone; each is handled here, from Python, once per process,
because on Community Cloud nothing but `streamlit run streamlit_app.py` runs:

1. Streamlit 1.67 keeps a disconnected session for `server.disconnectedSessionTTL` seconds so a
   browser can reconnect, in a TTL cache that drops an expired session silently: it is neither
   shut down (its uploaded files stay with the uploader's manager) nor freed (nothing removes it
   from the cache until another session disconnects, and its state is in reference cycles that
   only a full garbage collection frees). `start_session_sweeper` shuts expired sessions down on
   the server's event loop soon after they expire, as Streamlit does for a session it closes.
2. glibc's malloc raises its mmap and trim thresholds after the first large block is freed (up
   to 32 and 64 MB), after which file-sized buffers live in its heaps and freed memory at a
   heap's top stays there. `tune_malloc` fixes both thresholds, so large buffers are mapped on
   their own and unmapped when freed.
3. pyarrow's default pool (mimalloc) keeps freed memory for reuse: `use_system_pool_for_arrow`
   makes malloc pyarrow's default, so one allocator, tuned as above, serves everything.
4. What is free but still resident (holes in malloc's heaps, pyarrow's pools) is returned by
   `release_memory` after sessions were swept.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import gc
import platform
import threading
from pathlib import Path

from streamlit.logger import get_logger

LOGGER = get_logger(__name__)

SWEEP_SECONDS = (1.0, 15.0)
"""Expired sessions are looked for every quarter of `server.disconnectedSessionTTL` (120 s by
default), within these bounds."""

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""glibc's `mallopt` parameters (malloc.h)."""
MMAP_THRESHOLD = 1 << 20
"""Blocks of 1 MiB or more are mapped on their own and unmapped as soon as they are freed."""
TRIM_THRESHOLD = 4 << 20
"""Free memory above this at the top of one of malloc's heaps is returned when freed."""

_started = threading.Lock()
_state: dict[str, object] = {}
_previous_arrow_pools: list[object] = []
"""pyarrow's default pool before `use_system_pool_for_arrow` (code handed it keeps using it)."""


@functools.cache
def _libc() -> ctypes.CDLL | None:
    """The C library when it is glibc (`mallopt`, `malloc_trim`), else None."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:
        return None


def tune_malloc() -> bool:
    """Fix glibc's mmap and trim thresholds (`MMAP_THRESHOLD`, `TRIM_THRESHOLD`); True when set.

    Setting them also turns off glibc's raising of both after a large block is freed.
    """
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def resident_mb() -> float | None:
    """This process's resident memory in MB (Linux), None where /proc is not there."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def use_system_pool_for_arrow() -> str:
    """Make malloc pyarrow's default memory pool (it is mimalloc in the wheels, which keeps
    freed memory for reuse); the backend's name after the change."""
    import pyarrow as pa

    _previous_arrow_pools.append(pa.default_memory_pool())
    pa.set_memory_pool(pa.system_memory_pool())
    return pa.default_memory_pool().backend_name


def release_memory() -> None:
    """Collect garbage, then hand free memory back to the system: pyarrow's pools and glibc."""
    gc.collect()
    import pyarrow as pa

    for pool in (pa.default_memory_pool(), *_previous_arrow_pools):
        pool.release_unused()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def sweep_seconds() -> float:
    """Seconds between two sweeps: a quarter of the time a disconnected session is kept."""
    from streamlit import config

    low, high = SWEEP_SECONDS
    return max(low, min(high, config.get_option("server.disconnectedSessionTTL") / 4))


def shut_down_expired_sessions(runtime: object) -> int:
    """Shut down the disconnected sessions whose time to reconnect is over; how many.

    Must run on the server's event loop (Streamlit's session manager is not thread-safe). Only
    Streamlit's in-memory session storage is known; with any other, nothing is done.
    """
    from streamlit.runtime.memory_session_storage import MemorySessionStorage

    manager = getattr(runtime, "_session_mgr", None)
    storage = getattr(manager, "_session_storage", None)
    cache = getattr(storage, "_cache", None)
    if not isinstance(storage, MemorySessionStorage) or not hasattr(cache, "expire"):
        return 0
    lock = getattr(manager, "_storage_lock", None) or threading.Lock()
    with lock:
        expired = cache.expire()
    for session_id, info in expired:
        try:
            info.session.shutdown()
        except Exception:  # noqa: BLE001 - the other sessions are still shut down
            LOGGER.exception("Shutting down expired session %s failed", session_id)
    return len(expired)


def _sweep(runtime: object, loop: asyncio.AbstractEventLoop) -> None:
    """One sweep on the event loop; memory released in a worker thread; the next one planned."""
    try:
        count = shut_down_expired_sessions(runtime)
        if count:
            before = resident_mb()

            def release() -> None:
                release_memory()
                after = resident_mb()
                if before is not None and after is not None:
                    LOGGER.info("Ended %d expired session(s); resident memory %.0f → %.0f MB",
                                count, before, after)

            loop.run_in_executor(None, release)
    except Exception:  # noqa: BLE001 - a failed sweep must not stop the next ones
        LOGGER.exception("Sweeping expired sessions failed")
    loop.call_later(sweep_seconds(), _sweep, runtime, loop)


def start_session_sweeper() -> bool:
    """Plan `shut_down_expired_sessions` every `sweep_seconds()` on the server's event loop;
    True when it runs (False where there is no server, as in AppTest)."""
    from streamlit import runtime as st_runtime

    if not st_runtime.exists():
        return False
    runtime = st_runtime.get_instance()
    loop = getattr(getattr(runtime, "_async_objs", None), "eventloop", None)
    if loop is None or loop.is_closed():
        return False
    loop.call_soon_threadsafe(loop.call_later, sweep_seconds(), _sweep, runtime, loop)
    return True


def prepare_process() -> None:
    """Once per server process, from the entry point's first run: the session sweeper, then
    `tune_malloc` and `use_system_pool_for_arrow`. Where there is no server (AppTest), nothing
    is changed. Later calls do nothing."""
    with _started:
        if _state:
            return
        _state["sweeper"] = start_session_sweeper()
        if not _state["sweeper"]:
            return
        _state["malloc"] = tune_malloc()
        _state["arrow"] = use_system_pool_for_arrow()
        LOGGER.info("Memory: expired-session sweeper started; malloc thresholds fixed: %s; "
                    "pyarrow's pool: %s", _state["malloc"], _state["arrow"])
