"""The errors dipkg raises, all under one root.

    KGError                       anything dipkg raises on purpose
    ├── InputError                bad input: the CLI exits 2
    │   ├── DocumentError         a document or its sidecar cannot be read
    │   ├── QueryFileError        a stored query or its header is malformed, or a parameter is wrong
    │   ├── OntologyLoadError     an ontology, rule or reference file cannot be parsed
    │   ├── ShapesLoadError       a shapes file cannot be parsed
    │   └── StoreError            the store cannot be opened, or a document named is not in it
    │       └── StoreLockedError  another writer holds the store's write lock (carries the holder)
    ├── ConversionError           a pipeline stage failed on a document (carries document and stage)
    ├── PushError                 `kg push` could not send a graph to the server
    ├── ServeError                `kg serve` could not start (no oxigraph binary, port taken)
    └── ValidationFailed          SHACL found violations (carries the report graph): the CLI exits 1

Every message names the item (file, document, query), the place (line, column) where there is one, and
the fix. ``help_anchor`` points at the README section that explains the error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class KGError(Exception):
    """Root of every error dipkg raises on purpose; catch this to catch them all."""

    help_anchor = "errors"

    def __init__(
        self, message: str, *, path: Path | str | None = None, line: int | None = None, column: int | None = None
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return f"{where}{self.message}"


class InputError(KGError):
    """Input that dipkg cannot use. Fix the file named in the message and run the command again."""

    help_anchor = "bad-input"


class DocumentError(InputError):
    """A document (NAME.txt) or its sidecar (NAME.meta.json) is unreadable: not UTF-8, empty, or malformed."""

    help_anchor = "document-errors"


class QueryFileError(InputError):
    """A stored query has a bad header or SPARQL syntax, or a parameter is unknown or missing."""

    help_anchor = "query-errors"


class OntologyLoadError(InputError):
    """An ontology, rule or reference data file does not parse; the message names the file and line."""

    help_anchor = "ontology-errors"


class ShapesLoadError(InputError):
    """A SHACL shapes file does not parse; the message names the file and line."""

    help_anchor = "shapes-errors"


class StoreError(InputError):
    """The store cannot be opened (wrong path, locked by another writer, or not a dipkg store)."""

    help_anchor = "store-errors"


class StoreLockedError(StoreError):
    """Another writer held the store's write lock for longer than we were told to wait (``--wait``)."""

    def __init__(self, holder: Any, *, waited: float, path: Path | str) -> None:
        self.holder = holder
        waited_text = f"after waiting {waited:g} s" if waited > 0 else "(not waiting: --wait 0)"
        super().__init__(
            f"the store is locked by {holder}, still writing {waited_text}; let it finish and run again, "
            "or pass --wait SECONDS to wait longer (readers such as kg query and kg export need no lock)",
            path=path,
        )


class ConversionError(KGError):
    """A pipeline stage failed on a document. Report it with the document: this is a converter bug."""

    help_anchor = "conversion-errors"

    def __init__(self, message: str, *, document: str, stage: str) -> None:
        self.document = document
        self.stage = stage
        super().__init__(f"stage {stage!r} failed: {message}", path=document)


class PushError(KGError):
    """A graph could not be sent to the SPARQL server: unreachable, refused (401/403) or failed (4xx/5xx)."""

    help_anchor = "push-errors"


class ServeError(KGError):
    """`kg serve` could not start: the oxigraph server binary is missing, the port is taken, or it exited."""

    help_anchor = "serve-errors"


class ValidationFailed(KGError):
    """SHACL validation found violations; ``report`` holds the report graph."""

    help_anchor = "validation"

    def __init__(self, message: str, *, report: Any = None) -> None:
        self.report = report
        super().__init__(message)
