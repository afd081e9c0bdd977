"""The DCAT-AP catalogue parses with rdflib in both serializations, has the classes and
properties DCAT-AP requires, and pages with Hydra the way udata (dados.gov.pt) follows it."""

from __future__ import annotations

import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF

from sig.registry import get_registry
from tests.opendata.conftest import reader_count

pytestmark = pytest.mark.django_db

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
FORMAT = {"jsonld": "json-ld", "ttl": "turtle"}
OCCURRENCES = "cimrl-ocorrencias"


def _page(client, url: str, fmt: str) -> Graph:
    response = client.get(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith(
        {"jsonld": "application/ld+json", "ttl": "text/turtle"}[fmt])
    return Graph().parse(data=response.content.decode("utf-8"), format=FORMAT[fmt])


def _walk(client, fmt: str, size: int) -> list[Graph]:
    """Follow hydra:next from the first page, as udata's DCAT harvester does."""
    pages, url = [], f"/dados/catalogo.{fmt}?page_size={size}"
    while url:
        graph = _page(client, url.replace("http://testserver", ""), fmt)
        pages.append(graph)
        view = graph.value(predicate=RDF.type, object=HYDRA.PartialCollectionView)
        following = graph.value(view, HYDRA.next)
        url = str(following) if following else None
        assert len(pages) < 50
    return pages


@pytest.fixture
def expected_datasets(demo, reader):
    """(theme, area) pairs with features, counted independently: the CIM for every theme."""
    pairs = set()
    for theme in get_registry():
        pairs.add((theme.id, "cimrl"))
        for (dico,) in reader.execute(f'SELECT DISTINCT municipio FROM public."{theme.id}"'):
            pairs.add((theme.id, dico))
    return pairs


def test_turtle_and_jsonld_describe_the_same_graph(demo, client):
    turtle = _page(client, "/dados/catalogo.ttl?page=2", "ttl")
    text = client.get("/dados/catalogo.jsonld?page=2").content.decode("utf-8")
    # the two documents differ only in their own addresses (the Hydra page links)
    jsonld = Graph().parse(data=text.replace("catalogo.jsonld", "catalogo.ttl"),
                           format="json-ld")
    assert len(turtle) > 500
    assert isomorphic(turtle, jsonld)


@pytest.mark.parametrize("fmt", ["jsonld", "ttl"])
def test_hydra_paging_reaches_every_dataset_once(client, expected_datasets, fmt):
    pages = _walk(client, fmt, size=25)
    identifiers = [str(g.value(d, DCTERMS.identifier)) for g in pages
                   for d in g.subjects(RDF.type, DCAT.Dataset) if g.value(d, DCTERMS.title)]
    assert identifiers.count(OCCURRENCES) == 1  # the Linha Verde dataset, on the first page
    identifiers.remove(OCCURRENCES)
    assert len(identifiers) == len(set(identifiers)) == len(expected_datasets)
    assert set(identifiers) == {f"cimrl-{t}-{a}" for t, a in expected_datasets}
    assert len(pages) == -(-len(expected_datasets) // 25)
    last = pages[-1]
    view = last.value(predicate=RDF.type, object=HYDRA.PartialCollectionView)
    assert last.value(view, HYDRA.next) is None and last.value(view, HYDRA.previous) is not None


def test_required_dcat_ap_classes_and_properties(client, expected_datasets):
    graph = _page(client, "/dados/catalogo.ttl?page_size=100", "ttl")
    catalog = graph.value(predicate=RDF.type, object=DCAT.Catalog)
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.publisher, DCAT.dataset):
        assert graph.value(catalog, prop) is not None, prop
    publisher = graph.value(catalog, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Agent) in graph and graph.value(publisher, FOAF.name)
    datasets = list(graph.subjects(RDF.type, DCAT.Dataset))
    named = [d for d in datasets if graph.value(d, DCTERMS.title)]
    assert len(named) == 100 + 1  # the page, plus the Linha Verde dataset on the first page
    for dataset in named:  # the others are only named by a data service
        _check_dataset(graph, dataset,
                       files=3 if str(graph.value(dataset, DCTERMS.identifier)) == OCCURRENCES
                       else 8)
    services = list(graph.subjects(RDF.type, DCAT.DataService))
    assert services and all(graph.value(s, DCAT.endpointURL) for s in services)


def _check_dataset(graph: Graph, dataset, files: int = 8) -> None:
    for prop in (DCTERMS.description, DCTERMS.identifier, DCTERMS.publisher, DCAT.contactPoint,
                 DCTERMS.spatial, DCAT.keyword, DCAT.theme, DCTERMS.language):
        assert graph.value(dataset, prop) is not None, (dataset, prop)
    titles = {t.language for t in graph.objects(dataset, DCTERMS.title)}
    assert titles == {"pt", "en"}
    contact = graph.value(dataset, DCAT.contactPoint)
    assert str(graph.value(contact, VCARD.hasEmail)).startswith("mailto:")
    distributions = list(graph.objects(dataset, DCAT.distribution))
    assert len(distributions) >= files
    for distribution in distributions:
        assert (distribution, RDF.type, DCAT.Distribution) in graph
        for prop in (DCAT.accessURL, DCTERMS.format, DCTERMS.license):
            assert graph.value(distribution, prop) is not None, (distribution, prop)
        assert graph.value(distribution, DCTERMS.license) == URIRef(
            "https://creativecommons.org/licenses/by/4.0/")


def test_download_urls_serve_what_the_catalogue_describes(client, reader, expected_datasets):
    graph = _page(client, "/dados/catalogo.ttl?page_size=100", "ttl")
    dataset = next(d for d in graph.subjects(DCTERMS.identifier, None)
                   if str(graph.value(d, DCTERMS.identifier)) == "cimrl-equipamentos-1015")
    urls = {str(graph.value(d, DCAT.downloadURL))
            for d in graph.objects(dataset, DCAT.distribution) if graph.value(d, DCAT.downloadURL)}
    csv_url = next(u for u in urls if u.endswith("/dados/equipamentos/1015.csv"))
    response = client.get(csv_url.replace("http://testserver", ""))
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode("utf-8").strip().splitlines()
    assert len(lines) - 1 == reader_count(reader, "equipamentos", "1015")
    modified = graph.value(dataset, DCTERMS.modified).toPython()
    latest = reader.execute("SELECT max(updated_at) FROM equipamentos WHERE municipio = '1015'")
    assert modified == latest.fetchone()[0]


@pytest.mark.parametrize(("query", "message"), [
    ("page=0", "página inexistente"), ("page=99", "página inexistente"),
    ("page_size=1000", "page_size deve estar entre"), ("page=x", "números inteiros")])
def test_bad_pages_are_refused_with_a_clear_message(demo, client, query, message):
    response = client.get(f"/dados/catalogo.jsonld?{query}")
    assert response.status_code == 400
    assert message in response.content.decode("utf-8")
