"""Headless Chromium for the tests: a DOM dump, a DevTools session on a pipe, a small PNG reader.

The binary is Debian's `chromium` (.ci/run installs it); tests that need it skip when ``CHROMIUM`` is
None. Every browser gets its own profile folder and talks to loopback servers only.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

CHROMIUM = next(
    (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None
)
WINDOW = (1280, 900)
# quiet and offline: no first-run pages, no background fetches, no component updates
_QUIET = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
)


# -- a small DOM over what Chromium dumps ------------------------------------------------------------------
@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(child if isinstance(child, str) else child.text() for child in self.children)

    def iter(self) -> list[Element]:
        found = [self]
        for child in self.children:
            if isinstance(child, Element):
                found.extend(child.iter())
        return found

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str | bool) -> list[Element]:
        """Descendants by tag, class and attributes (``True`` for present; ``data_iri`` means data-iri)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            node
            for node in self.iter()[1:]
            if (tag is None or node.tag == tag)
            and (cls is None or cls in node.attrs.get("class", "").split())
            and all(
                (name in node.attrs) if value is True else node.attrs.get(name) == value
                for name, value in wanted.items()
            )
        ]

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str | bool) -> Element:
        found = self.find_all(tag, cls, **attrs)
        assert len(found) == 1, f"expected one <{tag} class={cls} {attrs}>, found {len(found)}"
        return found[0]


class _TreeBuilder(HTMLParser):
    VOID = frozenset(
        ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


# -- Chromium --------------------------------------------------------------------------------
def chromium(tmp_path: Path, url: str, *extra: str) -> str:
    """Run headless Chromium on ``url`` until the page's work is done (virtual time); its stdout."""
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        *_QUIET,
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--virtual-time-budget=10000",
        *extra,
        url,
    ]
    # the timeout only keeps a hung browser from hanging the suite; nothing here is timed
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, f"chromium exited {done.returncode}: {done.stderr[-2000:]}"
    return done.stdout


class DevTools:
    """Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: fd 3 in, fd 4 out).

    ``js`` evaluates an expression in the page (awaiting a promise) and returns its value; ``until``
    waits for an expression to become truthy, in the page, up to a generous bound.
    """

    def __init__(self, tmp_path: Path) -> None:
        assert CHROMIUM is not None
        ours_in, theirs_out = os.pipe()
        theirs_in, ours_out = os.pipe()
        # the browser's ends above fd 9, so that moving them to 3 and 4 cannot clobber one another
        theirs_in, theirs_out = (self._high(fd) for fd in (theirs_in, theirs_out))
        arguments = [
            *_QUIET,
            f"--user-data-dir={tmp_path / 'chromium-devtools'}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        script = f'exec "$0" "$@" 3<&{theirs_in} 4>&{theirs_out} {theirs_in}<&- {theirs_out}>&-'
        self.process = subprocess.Popen(
            ["bash", "-c", script, CHROMIUM, *arguments],
            pass_fds=(theirs_in, theirs_out),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(theirs_in)
        os.close(theirs_out)
        self.reader, self.writer = ours_in, ours_out
        self.buffer = b""
        self.last_id = 0
        targets = self.call("Target.getTargets")["targetInfos"]
        target = next(t["targetId"] for t in targets if t["type"] == "page")
        self.session: str = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

    @staticmethod
    def _high(fd: int) -> int:
        moved = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
        os.close(fd)
        return moved

    def call(self, method: str, session: str | None = None, **params: object) -> dict[str, Any]:
        """Send one DevTools command (to the page when ``session`` is given) and return its result."""
        self.last_id += 1
        message: dict[str, object] = {"id": self.last_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.writer, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                chunk = os.read(self.reader, 1 << 16)
                assert chunk, f"chromium closed the DevTools pipe during {method}"
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.last_id:
                assert "error" not in reply, f"{method}: {reply['error']}"
                result: dict[str, Any] = reply["result"]
                return result

    def js(self, expression: str) -> object:
        reply = self.call(
            "Runtime.evaluate", self.session, expression=expression, awaitPromise=True, returnByValue=True
        )
        assert "exceptionDetails" not in reply, f"{expression}: {reply['exceptionDetails']}"
        return reply["result"].get("value")

    def until(self, expression: str) -> object:
        """The expression's first truthy value, polled in the page (a hung page fails after 60 s)."""
        return self.js(
            "new Promise((resolve, reject) => { let tries = 0; const check = () => {"
            f" const value = ({expression}); if (value) resolve(value);"
            f" else if (++tries > 1200) reject(new Error('never true: ' + {json.dumps(expression)}));"
            " else setTimeout(check, 50); }; check(); })"
        )

    def open(self, url: str) -> None:
        self.call("Page.navigate", self.session, url=url)
        state = self.until('document.body && document.body.dataset.state !== "loading" && document.body.dataset.state')
        assert state == "ready", self.js('document.getElementById("status").textContent')

    def close(self) -> None:
        with contextlib.suppress(AssertionError, OSError):
            self.call("Browser.close")
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.reader)
        os.close(self.writer)


@contextlib.contextmanager
def devtools(tmp_path: Path) -> Iterator[DevTools]:
    browser = DevTools(tmp_path)
    try:
        yield browser
    finally:
        browser.close()


# -- PNG ------------------------------------------------------------------------------------------------
def png_pixels(data: bytes) -> tuple[int, int, set[bytes]]:
    """Width, height and the distinct pixel values of an 8-bit RGB or RGBA PNG (no palette, no interlace)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    offset, header, chunks = 8, b"", []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        payload = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            header = payload
        elif kind == b"IDAT":
            chunks.append(payload)
        offset += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour_type in (2, 6) and interlace == 0, f"unexpected PNG kind {depth=} {colour_type=}"
    bpp = 3 if colour_type == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * bpp
    previous = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = previous[i], previous[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        colours.update(bytes(line[x : x + bpp]) for x in range(0, stride, bpp * 7))  # every 7th pixel suffices
        previous = line
    return width, height, colours
