"""The one place where pipeline stages are registered, in order, with what each needs and makes.

The order is checked when the pipeline is built: a stage that needs something no earlier stage makes is
an error naming the stage and the missing input (spaCy's ``requires``/``assigns`` idea).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rdflib import Graph

from kg.errors import ConversionError, KGError
from kg.lexicon import Lexicon
from kg.pipeline.entities import resolve_entities
from kg.pipeline.events import extract_events
from kg.pipeline.graph import build_graph
from kg.pipeline.mentions import find_mentions
from kg.pipeline.model import Document, Extraction
from kg.pipeline.segment import split_sentences


@dataclass(frozen=True)
class Stage:
    name: str
    requires: tuple[str, ...]
    produces: str
    run: Callable[..., Any]


STAGES: tuple[Stage, ...] = (
    Stage("segment", ("text",), "sentences", lambda s, lex: split_sentences(s["text"], lex)),
    Stage(
        "mentions",
        ("document", "sentences"),
        "mentions",
        lambda s, lex: find_mentions(s["document"], s["sentences"], lex),
    ),
    Stage(
        "entities",
        ("document", "sentences", "mentions"),
        "entities",
        lambda s, lex: resolve_entities(s["document"], s["sentences"], s["mentions"], lex),
    ),
    Stage(
        "events",
        ("document", "sentences", "mentions", "entities"),
        "events",
        lambda s, lex: extract_events(s["document"], s["sentences"], s["mentions"], s["entities"], lex),
    ),
)


def check_order(stages: tuple[Stage, ...] = STAGES) -> None:
    """Raise KGError when a stage needs an input that no earlier stage produces."""
    available = {"document", "text"}
    for stage in stages:
        missing = [name for name in stage.requires if name not in available]
        if missing:
            raise KGError(
                f"pipeline stage {stage.name!r} needs {', '.join(missing)}, which no earlier stage "
                "produces; reorder kg/pipeline/registry.py"
            )
        available.add(stage.produces)


def extract(document: Document, lexicon: Lexicon) -> Extraction:
    """Run every stage over one document."""
    check_order()
    state: dict[str, Any] = {"document": document, "text": document.text}
    for stage in STAGES:
        try:
            state[stage.produces] = stage.run(state, lexicon)
        except KGError:
            raise
        except Exception as error:  # a converter bug: name the document and stage
            raise ConversionError(
                f"{type(error).__name__}: {error}", document=document.path or document.doc_id, stage=stage.name
            ) from error
    return Extraction(document, state["sentences"], state["mentions"], state["entities"], state["events"])


def to_graph(extraction: Extraction, lexicon: Lexicon) -> Graph:
    """The last stage: RDF of the extraction."""
    try:
        return build_graph(extraction, lexicon)
    except KGError:
        raise
    except Exception as error:
        raise ConversionError(
            f"{type(error).__name__}: {error}",
            document=extraction.document.path or extraction.document.doc_id,
            stage="graph",
        ) from error
