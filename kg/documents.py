"""Reading documents: NAME.txt (UTF-8) with an optional NAME.meta.json sidecar.

Everything that can be wrong with a file is found here, before conversion, and raised as a
DocumentError naming the file (and line where there is one) and the fix; what is merely unusual (CRLF
line ends, a byte order mark, a very large file, unknown sidecar fields) is read, with a warning where
the user may want to know.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from kg.errors import DocumentError
from kg.lexicon import slug
from kg.pipeline.model import Document, DocumentMeta

META_FIELDS = {"title", "date", "publisher", "kind", "source_url", "language"}
META_KINDS = ("news", "press-conference", "press-release", "statement")
META_SUFFIX = ".meta.json"
DOCUMENT_SUFFIX = ".txt"
# a press release is a few kilobytes; past this size a file is more likely several documents in one
LARGE_BYTES = 1_000_000
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"


def document_id(path: Path | str) -> str:
    """The document's name: its file name without ``.txt``.

    >>> document_id("corpus/seeds/japan-mongolia-fm-meeting-2023-07.txt")
    'japan-mongolia-fm-meeting-2023-07'
    """
    name = Path(path).name
    return name[: -len(DOCUMENT_SUFFIX)] if name.endswith(DOCUMENT_SUFFIX) else Path(name).stem


def read_document(path: Path | str) -> tuple[Document, list[str]]:
    """Read one document and its sidecar; returns the document and warnings (e.g. unknown meta fields).

    Raises DocumentError naming the file (and line) and the fix when it cannot be used.

    >>> read_document("no/such/file.txt")
    Traceback (most recent call last):
    kg.errors.DocumentError: no/such/file.txt: no such file; check the path
    """
    path = Path(path)
    raw = _read_bytes(path, what="document")
    if not path.name.endswith(DOCUMENT_SUFFIX):
        raise DocumentError(
            f"is not a NAME{DOCUMENT_SUFFIX} document; rename it to end in {DOCUMENT_SUFFIX} "
            f"(a {META_SUFFIX} sidecar is read beside its .txt, not on its own)",
            path=path,
        )
    doc_id = document_id(path)
    if not slug(doc_id):
        raise DocumentError(
            "its name has no letter or digit to make a document IRI from; rename it (e.g. my-document.txt)",
            path=path,
        )
    text = _decode(raw, path)
    warnings = []
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(raw) > LARGE_BYTES:
        warnings.append(
            f"{path}: is {len(raw) / 1_000_000:.1f} MB, large for one document; it converts, slowly. "
            "If it holds several press releases, split it into one NAME.txt each"
        )
    meta, meta_warnings, meta_raw = _read_meta(path)
    digest = hashlib.sha256(text.encode("utf-8") + b"\x00" + meta_raw).hexdigest()
    return Document(doc_id=doc_id, text=text, meta=meta, content_hash=digest, path=str(path)), [
        *meta_warnings,
        *warnings,
    ]


def _read_bytes(path: Path, *, what: str) -> bytes:
    if not path.exists():
        raise DocumentError("no such file; check the path", path=path)
    if not path.is_file():
        raise DocumentError(f"is not a file; pass a NAME.txt {what} or a folder of them", path=path)
    try:
        return path.read_bytes()
    except OSError as error:
        raise DocumentError(f"cannot be read ({error.strerror}); check its permissions", path=path) from error


def _decode(raw: bytes, path: Path) -> str:
    """The text of a document, or a DocumentError saying what the bytes are and how to fix them."""
    if raw.startswith(_UTF16_BOMS):
        raise DocumentError(
            "is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)",
            path=path,
        )
    nul = raw.find(b"\x00")
    if nul >= 0 and _looks_like_utf16(raw):
        raise DocumentError(
            "looks like UTF-16 without a byte order mark (every other byte is NUL); save it as UTF-8 "
            "(e.g. iconv -f UTF-16LE -t UTF-8)",
            path=path,
        )
    if nul >= 0:
        raise DocumentError(
            f"is a binary file, not text (a NUL byte at offset {nul}); pass a UTF-8 .txt document", path=path
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        raise DocumentError(
            f"is not valid UTF-8 (byte 0x{raw[error.start]:02x} at offset {error.start}); save it as UTF-8 "
            "(e.g. iconv -f LATIN1 -t UTF-8)",
            path=path,
            line=raw[: error.start].count(b"\n") + 1,
            column=error.start - line_start + 1,
        ) from error
    text = text.removeprefix(_UTF8_BOM.decode("utf-8"))
    if not text.strip():
        raise DocumentError(
            "is empty" + (" (only white space)" if text else "") + "; put the document's text in it or remove it",
            path=path,
        )
    return text


def _looks_like_utf16(raw: bytes) -> bool:
    """Mostly ASCII text in UTF-16: NUL in nearly every even or every odd byte, and nowhere else."""
    sample = raw[:4096]
    half = len(sample) // 2
    if half < 4:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return max(even, odd) >= 0.8 * half and min(even, odd) <= 0.05 * half


def _read_meta(path: Path) -> tuple[DocumentMeta, list[str], bytes]:
    meta_path = path.with_name(document_id(path) + META_SUFFIX)
    if not meta_path.exists():
        return DocumentMeta(), [], b""
    raw = _read_bytes(meta_path, what="sidecar")
    try:
        data = json.loads(raw.decode("utf-8").removeprefix("\ufeff"))
    except UnicodeDecodeError as error:
        raise DocumentError(
            "is not UTF-8; save it as UTF-8 JSON", path=meta_path, line=raw[: error.start].count(b"\n") + 1
        ) from error
    except json.JSONDecodeError as error:
        raise DocumentError(
            f"is not valid JSON ({error.msg}); fix it, or delete it (the sidecar is optional)",
            path=meta_path,
            line=error.lineno,
            column=error.colno,
        ) from error
    fields = ", ".join(sorted(META_FIELDS))
    if not isinstance(data, dict):
        raise DocumentError(
            f"must hold a JSON object ({{...}}) with some of: {fields}; it holds a {type(data).__name__}",
            path=meta_path,
        )
    warnings = [
        f"{meta_path}: unknown field {key!r} ignored (known: {fields}); check its spelling"
        for key in sorted(set(data) - META_FIELDS)
    ]
    for key in sorted(META_FIELDS):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise DocumentError(
                f"field {key!r} is {json.dumps(data[key])}, not a string; write it in quotes (or null)",
                path=meta_path,
            )
    value = data.get("date")
    if value is not None and not _is_date(value):
        raise DocumentError(f"field 'date' is {value!r}, not a date; write it as YYYY-MM-DD", path=meta_path)
    kind = data.get("kind")
    if kind is not None and kind not in META_KINDS:
        raise DocumentError(f"field 'kind' is {kind!r}; use one of {', '.join(META_KINDS)} (or null)", path=meta_path)
    meta = DocumentMeta(**{key: data.get(key) for key in META_FIELDS})
    return meta, warnings, raw


def _is_date(value: str) -> bool:
    """YYYY-MM-DD and a real day (fromisoformat alone also takes 20230713 and 2023-W28-4)."""
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def find_documents(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Every NAME.txt under the given files and folders, in a stable order."""
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*" + DOCUMENT_SUFFIX) if p.is_file())
        else:
            yield path
