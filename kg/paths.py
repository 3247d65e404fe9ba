"""Where dipkg finds its data directories.

In a source checkout they sit at the top of the repository (design.md); in an installed wheel they ship
under ``kg/_data``. Every other module asks this one, never ``__file__`` arithmetic of its own.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
_INSTALLED = PACKAGE_DIR / "_data"
_CHECKOUT = PACKAGE_DIR.parent


def _data_root() -> Path:
    if (_INSTALLED / "ontology").is_dir():
        return _INSTALLED
    return _CHECKOUT


DATA_ROOT = _data_root()
ONTOLOGY_DIR = DATA_ROOT / "ontology"
REFERENCE_DIR = ONTOLOGY_DIR / "reference"
RULES_DIR = ONTOLOGY_DIR / "rules"
SHAPES_DIR = DATA_ROOT / "shapes"
QUERIES_DIR = DATA_ROOT / "queries"
CORPUS_DIR = DATA_ROOT / "corpus"
LEXICON_DIR = PACKAGE_DIR / "lexicon"
