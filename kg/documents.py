"""Reading documents: NAME.txt (UTF-8) with an optional NAME.meta.json sidecar."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from kg.errors import DocumentError
from kg.pipeline.model import Document, DocumentMeta

META_FIELDS = {"title", "date", "publisher", "kind", "source_url", "language"}
META_SUFFIX = ".meta.json"


def read_document(path: Path | str) -> tuple[Document, list[str]]:
    """Read one document and its sidecar; returns the document and warnings (e.g. unknown meta fields).

    Raises DocumentError naming the file when it cannot be used.
    """
    path = Path(path)
    if not path.exists():
        raise DocumentError("no such file; check the path", path=path)
    if not path.is_file():
        raise DocumentError("not a file; pass a NAME.txt file or a folder", path=path)
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError("is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8", path=path)
    if b"\x00" in raw[:4096]:
        raise DocumentError("is a binary file, not text; pass a UTF-8 .txt document", path=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DocumentError(
            f"is not valid UTF-8 (byte {error.start}); save it as UTF-8", path=path, line=line
        ) from error
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentError("is empty; a document needs text", path=path)
    meta, warnings, meta_raw = _read_meta(path)
    digest = hashlib.sha256(text.encode("utf-8") + b"\x00" + meta_raw).hexdigest()
    return Document(
        doc_id=path.name[: -len(".txt")] if path.name.endswith(".txt") else path.stem,
        text=text,
        meta=meta,
        content_hash=digest,
        path=str(path),
    ), warnings


def _read_meta(path: Path) -> tuple[DocumentMeta, list[str], bytes]:
    stem = path.name[: -len(".txt")] if path.name.endswith(".txt") else path.stem
    meta_path = path.with_name(stem + META_SUFFIX)
    if not meta_path.exists():
        return DocumentMeta(), [], b""
    raw = meta_path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise DocumentError("is not UTF-8; save it as UTF-8 JSON", path=meta_path) from error
    except json.JSONDecodeError as error:
        raise DocumentError(
            f"is not valid JSON: {error.msg}", path=meta_path, line=error.lineno, column=error.colno
        ) from error
    if not isinstance(data, dict):
        raise DocumentError("must hold a JSON object with title, date, publisher, kind, source_url", path=meta_path)
    warnings = [
        f"{meta_path}: unknown field {key!r} ignored (known: {', '.join(sorted(META_FIELDS))})"
        for key in sorted(set(data) - META_FIELDS)
    ]
    value = data.get("date")
    if value is not None:
        try:
            date.fromisoformat(str(value))
        except ValueError as error:
            raise DocumentError(
                f"field 'date' is {value!r}, not a date; write it as YYYY-MM-DD", path=meta_path
            ) from error
    for key in META_FIELDS:
        if data.get(key) is not None and not isinstance(data[key], str):
            raise DocumentError(f"field {key!r} must be a string", path=meta_path)
    meta = DocumentMeta(**{key: data.get(key) for key in META_FIELDS})
    return meta, warnings, raw


def find_documents(paths: Iterable[Path | str]) -> Iterator[Path]:
    """Every NAME.txt under the given files and folders, in a stable order."""
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.txt") if p.is_file())
        else:
            yield path
