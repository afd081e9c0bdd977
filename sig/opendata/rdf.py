"""A small RDF graph with Turtle and JSON-LD writers, enough for a DCAT catalogue.

Kept dependency-free on purpose: the tests parse both outputs with rdflib and check that they
describe the same graph.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "locn": "http://www.w3.org/ns/locn#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
    "adms": "http://www.w3.org/ns/adms#",
}
RDF_TYPE = PREFIXES["rdf"] + "type"
# Characters Turtle forbids inside <IRI> (they are percent-encoded).
_IRI_SAFE = "".join(chr(c) for c in range(33, 127) if chr(c) not in '<>"{}|^`\\')


def iri_text(value: str) -> str:
    return quote(value, safe=_IRI_SAFE)


@dataclass(frozen=True)
class IRI:
    value: str


@dataclass(frozen=True)
class Blank:
    id: str


@dataclass(frozen=True)
class Lit:
    value: str
    lang: str | None = None
    datatype: str | None = None


Node = IRI | Blank
Term = IRI | Blank | Lit


def expand(name: str) -> str:
    """`dct:title` → full IRI; full IRIs pass through."""
    prefix, _, local = name.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return name


@dataclass
class Graph:
    """Triples in insertion order, grouped by subject when written."""

    triples: list[tuple[Node, str, Term]] = field(default_factory=list)
    _blanks: int = 0

    def add(self, subject: Node, predicate: str, obj: Term | None) -> None:
        if obj is not None:
            self.triples.append((subject, expand(predicate), obj))

    def add_all(self, subject: Node, predicate: str, objects: Iterable[Term]) -> None:
        for obj in objects:
            self.add(subject, predicate, obj)

    def typed(self, subject: Node, *types: str) -> Node:
        for name in types:
            self.add(subject, "rdf:type", IRI(expand(name)))
        return subject

    def blank(self, *types: str) -> Blank:
        self._blanks += 1
        return self.typed(Blank(f"b{self._blanks}"), *types)  # type: ignore[return-value]

    def subjects(self) -> dict[Node, list[tuple[str, Term]]]:
        grouped: dict[Node, list[tuple[str, Term]]] = {}
        for s, p, o in self.triples:
            grouped.setdefault(s, []).append((p, o))
        return grouped


# Turtle -------------------------------------------------------------------------------------

def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            .replace("\r", "\\r").replace("\t", "\\t"))


def _compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        local = iri.removeprefix(namespace)
        if local != iri and local.replace("_", "").replace("-", "").isalnum():
            return f"{prefix}:{local}"
    return f"<{iri_text(iri)}>"


def _turtle_term(term: Term) -> str:
    if isinstance(term, IRI):
        return _compact(term.value)
    if isinstance(term, Blank):
        return f"_:{term.id}"
    text = f'"{_escape(term.value)}"'
    if term.lang:
        return f"{text}@{term.lang}"
    if term.datatype:
        return f"{text}^^{_compact(expand(term.datatype))}"
    return text


def to_turtle(graph: Graph) -> str:
    lines = [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items()] + [""]
    for subject, pairs in graph.subjects().items():
        body = " ;\n    ".join(
            f"{'a' if p == RDF_TYPE else _compact(p)} {_turtle_term(o)}" for p, o in pairs)
        lines.append(f"{_turtle_term(subject)}\n    {body} .\n")
    return "\n".join(lines)


# JSON-LD ------------------------------------------------------------------------------------

def _json_id(node: Node) -> str:
    return f"_:{node.id}" if isinstance(node, Blank) else iri_text(node.value)


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, IRI | Blank):
        return {"@id": _json_id(term)}
    value: dict[str, str] = {"@value": term.value}
    if term.lang:
        value["@language"] = term.lang
    elif term.datatype:
        value["@type"] = iri_text(expand(term.datatype))
    return value


def _json_node(subject: Node, pairs: list[tuple[str, Term]]) -> dict:
    node: dict = {"@id": _json_id(subject)}
    for predicate, obj in pairs:
        if predicate == RDF_TYPE:
            node.setdefault("@type", []).append(iri_text(obj.value))  # type: ignore[union-attr]
        else:
            node.setdefault(predicate, []).append(_json_term(obj))
    return node


def to_jsonld(graph: Graph) -> str:
    """Flattened JSON-LD with full IRIs (any JSON-LD processor reads it without a context)."""
    nodes = [_json_node(s, pairs) for s, pairs in graph.subjects().items()]
    return json.dumps({"@graph": nodes}, ensure_ascii=False, indent=1)
