"""kg.memory: freed heap memory goes back to the system (glibc), so a long build's resident size stays flat."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pytest

from kg.memory import release_free_memory


def _resident_bytes() -> int:
    status = Path("/proc/self/status").read_text(encoding="utf-8")
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) * 1024


def test_release_gives_freed_blocks_back() -> None:
    if not release_free_memory():
        pytest.skip("not glibc: there is no malloc_trim to call")
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(2048) for _ in range(100_000)]  # 200 MB of small blocks, as a store write makes
    for address in blocks:
        ctypes.memset(address, 1, 2048)  # touched, so resident
    for address in blocks[:-1]:
        libc.free(address)  # the last block stays: the heap's top cannot shrink by itself
    before = _resident_bytes()
    assert release_free_memory()
    after = _resident_bytes()
    libc.free(blocks[-1])
    assert before - after > 100 * 2**20, (before, after)
