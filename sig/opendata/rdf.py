"""The RDF graph of the DCAT-AP catalogue, on rdflib, with the project's prefixes.

`dcat.py` builds it with compact names (`dct:title`); rdflib writes Turtle and JSON-LD (full
IRIs, readable without a context).
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Literal, URIRef
from rdflib import Graph as RdfGraph
from rdflib.namespace import RDF

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

IRI = URIRef
Blank = BNode
Node = URIRef | BNode
Term = URIRef | BNode | Literal


def expand(name: str) -> str:
    """`dct:title` → full IRI; full IRIs pass through."""
    prefix, _, local = name.partition(":")
    if prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return name


def Lit(value: str, lang: str | None = None, datatype: str | None = None) -> Literal:
    """A literal; `datatype` may be compact (`xsd:dateTime`)."""
    return Literal(value, lang=lang, datatype=URIRef(expand(datatype)) if datatype else None)


class Graph:
    """An rdflib graph that takes compact predicate names and skips absent objects."""

    def __init__(self) -> None:
        self.rdf = RdfGraph(bind_namespaces="none")
        for prefix, namespace in PREFIXES.items():
            self.rdf.bind(prefix, namespace)

    def add(self, subject: Node, predicate: str, obj: Term | None) -> None:
        if obj is not None:
            self.rdf.add((subject, URIRef(expand(predicate)), obj))

    def add_all(self, subject: Node, predicate: str, objects: Iterable[Term]) -> None:
        for obj in objects:
            self.add(subject, predicate, obj)

    def typed(self, subject: Node, *types: str) -> Node:
        for name in types:
            self.rdf.add((subject, RDF.type, URIRef(expand(name))))
        return subject

    def blank(self, *types: str) -> BNode:
        return self.typed(BNode(), *types)  # type: ignore[return-value]


def to_turtle(graph: Graph) -> str:
    return graph.rdf.serialize(format="turtle")


def to_jsonld(graph: Graph) -> str:
    """JSON-LD with full IRIs (any JSON-LD processor reads it without a context)."""
    return graph.rdf.serialize(format="json-ld", indent=1)
