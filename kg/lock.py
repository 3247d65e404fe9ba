"""The store's write lock: one writer at a time; readers never wait.

A writer (``kg ingest``, ``build``, ``reason``, ``remove``, or ``Store(path)`` from Python) holds an
exclusive ``flock`` on ``<store>/write.lock`` for as long as it has the store open, and writes its pid and
command into the file so that a second writer can say who holds it. The kernel releases the lock when the
holder exits, however it exits (a SIGKILL included), so a lock can never be left stale. (A child forked
by a writer shares the lock until it exits too; kg's worker processes are spawned, so they hold none.)

Readers open the store read-only (Oxigraph allows that beside a writer) and see what the writer had
committed when they opened it: every document graph whole, since each is written in one transaction.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> try:
...     with WriteLock(folder, command="kg ingest"):
...         WriteLock(folder, wait=0.2).acquire()
... except StoreLockedError as error:
...     print(error.holder.command)
kg ingest
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg.errors import StoreError, StoreLockedError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: Oxigraph's own lock still keeps a second writer out
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = "write.lock"
DEFAULT_WAIT = 30.0
_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Holder:
    """Who holds a store's write lock, as it wrote itself into the lock file."""

    pid: int | None
    command: str

    def __str__(self) -> str:
        who = f"pid {self.pid}" if self.pid is not None else "another process"
        return f"{who} ({self.command})" if self.command else who


def _read_holder(fd: int) -> Holder:
    text = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
    pid_text, _, command = text.partition(" ")
    return Holder(int(pid_text) if pid_text.isdigit() else None, command)


class WriteLock:
    """An exclusive lock on a store folder for one writer; waits up to ``wait`` seconds for another.

    ``on_wait`` is called once with a message when the lock is taken and waiting begins. Raises
    StoreLockedError naming the holder when it is still held after ``wait`` seconds, StoreError when the
    lock file cannot be created.
    """

    def __init__(
        self,
        store: Path | str,
        *,
        wait: float = 0.0,
        command: str = "",
        on_wait: Callable[[str], None] | None = None,
    ) -> None:
        self.store = Path(store)
        self.wait = wait
        self.command = command
        self.on_wait = on_wait
        self._fd: int | None = None

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        if fcntl is None or self._fd is not None:
            return
        try:
            fd = os.open(self.store / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise StoreError(
                f"cannot create the lock file {LOCK_NAME}: {error.strerror}; check the folder's permissions "
                "or pass another --store",
                path=self.store,
            ) from error
        deadline = time.monotonic() + max(self.wait, 0.0)
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                current = _read_holder(fd)
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise StoreLockedError(current, waited=self.wait, path=self.store) from None
                if not announced and self.on_wait is not None:
                    self.on_wait(f"waiting for the store lock held by {current} (up to {self.wait:g} s; see --wait)")
                announced = True
                time.sleep(_POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {self.command}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        # the file stays: removing it would let a waiter lock an unlinked file while a newcomer locks a new one
        os.ftruncate(fd, 0)
        os.close(fd)
