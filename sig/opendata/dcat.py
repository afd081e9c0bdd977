"""The DCAT-AP catalogue of the open data, paged with Hydra, as Turtle or JSON-LD.

One dataset per theme and area: the whole CIM and each municipality that has features in the
theme (so `dct:modified` is that municipality's last update). Each dataset has eight file
distributions (GeoPackage, GeoJSON, CSV, Shapefile × EPSG:3763 and EPSG:4326); the CIM-wide
datasets also point at the OGC API. The data services (OGC API Features, WMS/WMTS) are described
on the first page. udata (dados.gov.pt) follows `hydra:next` of the `hydra:PartialCollectionView`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sig.opendata import ocorrencias, publisher
from sig.opendata.exports import FORMATS, SRIDS
from sig.opendata.publisher import ServiceLinks
from sig.opendata.rdf import IRI, Graph, Lit, Node
from sig.opendata.territory import Area
from sig.registry import Theme, get_registry

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
EU = "http://publications.europa.eu/resource/authority/"
PT = EU + "language/POR"
EN = EU + "language/ENG"
INSPIRE_THEMES = {  # INSPIRE theme → (INSPIRE registry code, EU data theme)
    "Utility and Governmental Services": ("us", "GOVE"),
    "Transport Networks": ("tn", "TRAN"),
    "Addresses": ("ad", "REGI"),
    "Land Use": ("lu", "REGI"),
    "Area Management/Restriction/Regulation Zones": ("am", "ENVI"),
}
OGC_FEATURES = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
WMS_SPEC = "http://www.opengis.net/def/serviceType/ogc/wms"


class CatalogueError(ValueError):
    """A bad page request (message in pt-PT)."""


@dataclass(frozen=True)
class Entry:
    """One dataset: a theme in one area, with its feature count and dates."""

    theme: Theme
    area: Area
    count: int
    modified: str | None
    issued: str | None


def entries(stats: dict[str, Any], areas: list[Area]) -> list[Entry]:
    """Every dataset of the catalogue, theme by theme, the CIM first."""
    result = []
    for theme in get_registry():
        if not theme.exposure.downloads:
            continue
        per = stats.get(theme.id, {}).get("municipios", {})
        for area in areas:
            found = per.values() if area.code == "cimrl" else [per.get(area.code, {})]
            count = sum(v.get("elementos", 0) for v in found)
            updated = [v["atualizado_em"] for v in found if v.get("atualizado_em")]
            created = [v["criado_em"] for v in found if v.get("criado_em")]
            if count or area.code == "cimrl":
                result.append(Entry(theme, area, count, max(updated, default=None),
                                    min(created, default=None)))
    return result


def page_of(items: list, page: int, size: int) -> tuple[list, int]:
    """Slice one page (1-based) and the number of pages; bad numbers raise CatalogueError."""
    if size < 1 or size > MAX_PAGE_SIZE:
        raise CatalogueError(f"page_size deve estar entre 1 e {MAX_PAGE_SIZE}")
    pages = max(1, math.ceil(len(items) / size))
    if page < 1 or page > pages:
        raise CatalogueError(f"página inexistente: {page} (o catálogo tem {pages})")
    return items[(page - 1) * size: page * size], pages


class CatalogueBuilder:
    """Builds the graph of one catalogue page."""

    def __init__(self, links: ServiceLinks, document: str):
        self.links = links
        self.document = document  # catalogo.jsonld or catalogo.ttl
        self.g = Graph()
        self.catalog = IRI(links.url("/dados/catalogo"))
        self.publisher = IRI(publisher.PUBLISHER_URL)
        self.licence = IRI(publisher.LICENCE_URL)

    def page_url(self, page: int, size: int) -> IRI:
        query = {"page": page} if size == PAGE_SIZE else {"page": page, "page_size": size}
        return IRI(self.links.url(f"/dados/{self.document}?{urlencode(query)}"))

    def text(self, node: Node, predicate: str, texts: dict[str, str]) -> None:
        for lang in ("pt", "en"):
            if texts.get(lang):
                self.g.add(node, predicate, Lit(texts[lang], lang=lang))

    def agent(self) -> None:
        self.g.typed(self.publisher, "foaf:Agent")
        self.g.add(self.publisher, "foaf:name", Lit(publisher.PUBLISHER_NAME))
        self.g.add(self.publisher, "dct:type",
                   IRI("http://purl.org/adms/publishertype/RegionalAuthority"))
        self.g.typed(self.licence, "dct:LicenseDocument")
        self.g.add(self.licence, "rdfs:label", Lit(publisher.LICENCE_NAME))

    def contact(self) -> Node:
        node = self.g.blank("vcard:Organization")
        self.g.add(node, "vcard:fn", Lit(publisher.CONTACT_NAME))
        self.g.add(node, "vcard:hasEmail", IRI(f"mailto:{publisher.CONTACT_EMAIL}"))
        self.g.add(node, "vcard:hasURL", IRI(publisher.PUBLISHER_URL))
        return node

    def spatial(self, area: Area) -> Node:
        node = self.g.blank("dct:Location")
        self.g.add(node, "dcat:bbox", Lit(area.wkt(), datatype="gsp:wktLiteral"))
        self.g.add(node, "locn:geometry", Lit(area.wkt(), datatype="gsp:wktLiteral"))
        self.g.add(node, "rdfs:label", Lit(area.nome))
        return node

    def catalogue(self, datasets: Sequence[Node], page: int, pages: int, size: int, total: int,
                  modified: str | None) -> None:
        g, c = self.g, self.catalog
        g.typed(c, "dcat:Catalog", "hydra:Collection")
        self.text(c, "dct:title", publisher.CATALOGUE_TITLE)
        self.text(c, "dct:description", publisher.CATALOGUE_DESCRIPTION)
        g.add(c, "dct:publisher", self.publisher)
        g.add(c, "foaf:homepage", IRI(self.links.url("/dados/")))
        g.add_all(c, "dct:language", [IRI(PT), IRI(EN)])
        g.add(c, "dct:license", self.licence)
        if modified:
            g.add(c, "dct:modified", Lit(modified, datatype="xsd:dateTime"))
        g.add(c, "hydra:totalItems", Lit(str(total), datatype="xsd:integer"))
        g.add_all(c, "dcat:dataset", datasets)
        self.paging(page, pages, size, total)

    def paging(self, page: int, pages: int, size: int, total: int) -> None:
        g, view = self.g, self.page_url(page, size)
        g.add(self.catalog, "hydra:view", view)
        g.typed(view, "hydra:PartialCollectionView", "hydra:PagedCollection")
        for prop, legacy, number in (("first", "firstPage", 1), ("last", "lastPage", pages),
                                     ("next", "nextPage", page + 1),
                                     ("previous", "previousPage", page - 1)):
            if 1 <= number <= pages:
                target = self.page_url(number, size)
                g.add(view, f"hydra:{prop}", target)
                g.add(view, f"hydra:{legacy}", Lit(str(target)))
        g.add(view, "hydra:itemsPerPage", Lit(str(size), datatype="xsd:integer"))
        g.add(view, "hydra:totalItems", Lit(str(total), datatype="xsd:integer"))

    def dataset(self, entry: Entry, lineage: str) -> IRI:
        g, theme, area = self.g, entry.theme, entry.area
        node = IRI(self.links.url(f"/dados/{theme.id}/#{area.code}"))
        g.typed(node, "dcat:Dataset")
        suffix = "" if area.code == "cimrl" else f" — {area.nome}"
        self.text(node, "dct:title", {"pt": theme.title.pt + suffix, "en": theme.title.en + suffix})
        self.text(node, "dct:description", {
            "pt": f"{theme.description.pt} Área: {area.nome}. {entry.count} elementos. "
                  f"Atribuição: {publisher.CREDIT}.",
            "en": f"{theme.description.en} Area: {area.nome}. {entry.count} features. "
                  f"Attribution: {publisher.CREDIT}."})
        g.add(node, "dct:identifier", Lit(f"cimrl-{theme.id}-{area.code}"))
        g.add(node, "dct:publisher", self.publisher)
        g.add(node, "dcat:contactPoint", self.contact())
        g.add(node, "dct:spatial", self.spatial(area))
        g.add(node, "dct:language", IRI(PT))
        g.add(node, "dct:accessRights", IRI(EU + "access-right/PUBLIC"))
        g.add(node, "dct:accrualPeriodicity", IRI(EU + "frequency/UPDATE_CONT"))
        g.add(node, "dcat:landingPage", IRI(self.links.url(f"/dados/{theme.id}/")
                                            + ("" if area.code == "cimrl"
                                               else f"?municipio={area.code}")))
        self.dates(node, entry.issued, entry.modified)
        self.themes(node, theme)
        provenance = g.blank("dct:ProvenanceStatement")
        g.add(provenance, "rdfs:label", Lit(lineage, lang="pt"))
        g.add(node, "dct:provenance", provenance)
        for srid in SRIDS:
            for fmt in FORMATS.values():
                g.add(node, "dcat:distribution", self.distribution(entry, fmt.key, srid))
        if area.code == "cimrl" and theme.exposure.ogcapi:
            g.add(node, "dcat:distribution", self.api_distribution(theme))
        return node

    def dates(self, node: Node, issued: str | None, modified: str | None) -> None:
        if issued:
            self.g.add(node, "dct:issued", Lit(issued, datatype="xsd:dateTime"))
        if modified:
            self.g.add(node, "dct:modified", Lit(modified, datatype="xsd:dateTime"))

    def themes(self, node: Node, theme: Theme) -> None:
        for word in theme.keywords.get("pt", []):
            self.g.add(node, "dcat:keyword", Lit(word, lang="pt"))
        for word in theme.keywords.get("en", []):
            self.g.add(node, "dcat:keyword", Lit(word, lang="en"))
        codes = INSPIRE_THEMES.get(theme.inspire_theme or "")
        if codes:
            self.g.add(node, "dcat:theme", IRI(f"http://inspire.ec.europa.eu/theme/{codes[0]}"))
            self.g.add(node, "dcat:theme", IRI(EU + f"data-theme/{codes[1]}"))

    def distribution(self, entry: Entry, fmt_key: str, srid: int) -> IRI:
        g, fmt = self.g, FORMATS[fmt_key]
        path = f"/dados/{entry.theme.id}/{entry.area.code}.{fmt.extension}"
        url = self.links.url(path) + ("" if srid == 3763 else f"?crs={srid}")
        node = IRI(self.links.url(path) + f"#epsg-{srid}")
        g.typed(node, "dcat:Distribution")
        self.text(node, "dct:title", {"pt": f"{fmt.label} (EPSG:{srid})",
                                      "en": f"{fmt.label} (EPSG:{srid})"})
        g.add(node, "dcat:accessURL", IRI(url))
        g.add(node, "dcat:downloadURL", IRI(url))
        g.add(node, "dct:format", IRI(fmt.eu_uri))
        g.add(node, "dcat:mediaType",
              IRI(f"https://www.iana.org/assignments/media-types/{fmt.media_type}"))
        g.add(node, "dct:license", self.licence)
        g.add(node, "dct:conformsTo", IRI(f"http://www.opengis.net/def/crs/EPSG/0/{srid}"))
        if entry.modified:
            g.add(node, "dct:modified", Lit(entry.modified, datatype="xsd:dateTime"))
        return node

    def api_distribution(self, theme: Theme) -> IRI:
        g = self.g
        node = IRI(self.links.collection(theme.id) + "#api")
        g.typed(node, "dcat:Distribution")
        self.text(node, "dct:title", {"pt": "OGC API Features", "en": "OGC API Features"})
        g.add(node, "dcat:accessURL", IRI(self.links.collection(theme.id)))
        g.add(node, "dcat:accessService", IRI(self.links.ogcapi))
        g.add(node, "dct:format", IRI(EU + "file-type/GEOJSON"))
        g.add(node, "dct:license", self.licence)
        return node

    def occurrences_dataset(self, cim: Area | None) -> IRI:
        """The residents' occurrences (Linha Verde), CIM-wide, updated continuously."""
        g = self.g
        node = IRI(self.links.url("/dados/ocorrencias.geojson") + "#dataset")
        g.typed(node, "dcat:Dataset")
        self.text(node, "dct:title", ocorrencias.TITLE)
        self.text(node, "dct:description", ocorrencias.DESCRIPTION)
        g.add(node, "dct:identifier", Lit("cimrl-ocorrencias"))
        g.add(node, "dct:publisher", self.publisher)
        g.add(node, "dcat:contactPoint", self.contact())
        g.add(node, "dct:language", IRI(PT))
        g.add(node, "dct:accessRights", IRI(EU + "access-right/PUBLIC"))
        g.add(node, "dct:accrualPeriodicity", IRI(EU + "frequency/UPDATE_CONT"))
        g.add(node, "dcat:landingPage", IRI(self.links.url("/ocorrencias/")))
        g.add(node, "dcat:theme", IRI(EU + "data-theme/REGI"))
        if cim is not None:
            g.add(node, "dct:spatial", self.spatial(cim))
        for word in ("ocorrências", "Linha Verde", "espaço público"):
            g.add(node, "dcat:keyword", Lit(word, lang="pt"))
        for ext, media, eu in (("csv", "text/csv", "CSV"), ("geojson", "application/geo+json",
                                                             "GEOJSON")):
            url = self.links.url(f"/dados/ocorrencias.{ext}")
            dist = IRI(url + "#file")
            g.typed(dist, "dcat:Distribution")
            self.text(dist, "dct:title", {"pt": f"{eu} (WGS 84)", "en": f"{eu} (WGS 84)"})
            g.add(dist, "dcat:accessURL", IRI(url))
            g.add(dist, "dcat:downloadURL", IRI(url))
            g.add(dist, "dct:format", IRI(EU + f"file-type/{eu}"))
            g.add(dist, "dcat:mediaType", IRI(f"https://www.iana.org/assignments/media-types/{media}"))
            g.add(dist, "dct:license", self.licence)
            g.add(node, "dcat:distribution", dist)
        api = IRI(self.links.collection("ocorrencias") + "#api")
        g.typed(api, "dcat:Distribution")
        self.text(api, "dct:title", {"pt": "OGC API Features", "en": "OGC API Features"})
        g.add(api, "dcat:accessURL", IRI(self.links.collection("ocorrencias")))
        g.add(api, "dcat:accessService", IRI(self.links.ogcapi))
        g.add(api, "dct:format", IRI(EU + "file-type/GEOJSON"))
        g.add(api, "dct:license", self.licence)
        g.add(node, "dcat:distribution", api)
        return node

    def services(self, served: list[IRI]) -> None:
        g = self.g
        for iri, title, endpoint, description, spec in (
                (self.links.ogcapi, "OGC API Features", self.links.ogcapi,
                 self.links.url("/ogcapi/openapi"), OGC_FEATURES),
                (self.links.url("/maps/service"), "WMS / WMTS", self.links.url("/maps/service"),
                 self.links.wms, WMS_SPEC)):
            node = IRI(iri)
            g.typed(node, "dcat:DataService")
            self.text(node, "dct:title", {"pt": title, "en": title})
            g.add(node, "dct:identifier", Lit(iri))
            g.add(node, "dcat:endpointURL", IRI(endpoint))
            g.add(node, "dcat:endpointDescription", IRI(description))
            g.add(node, "dct:conformsTo", IRI(spec))
            g.add(node, "dct:publisher", self.publisher)
            g.add(node, "dct:license", self.licence)
            g.add(node, "dcat:contactPoint", self.contact())
            g.add_all(node, "dcat:servesDataset", served)
            g.add(self.catalog, "dcat:service", node)


def _lineage_part(row: dict[str, Any]) -> str:
    text = (f"{row['fonte']} (execução {row['execucao'] or '—'}): {row['elementos']} elementos, "
            f"última alteração {row['ultimo'] or '—'}")
    run = row.get("importacao")
    if run:
        files = ", ".join(run.get("ficheiros") or [])
        text += f", importação de {run.get('concluida_em') or '—'}"
        text += f" a partir de {files}" if files else ""
        text += f" ({run['crs']})" if run.get("crs") else ""
    return text


def lineage_text(stats: dict[str, Any], theme_id: str) -> str:
    rows = stats.get(theme_id, {}).get("linhagem", [])
    parts = [_lineage_part(r) for r in rows]
    return ("Dados municipais harmonizados para o modelo comum da CIM Região de Leiria. "
            "Origem: " + ("; ".join(parts) if parts else "sem elementos") + ".")


def build(stats: dict[str, Any], areas: list[Area], links: ServiceLinks, document: str,
          page: int = 1, size: int = PAGE_SIZE) -> Graph:
    """The graph of one page of the catalogue."""
    all_entries = entries(stats, areas)
    chosen, pages = page_of(all_entries, page, size)
    builder = CatalogueBuilder(links, document)
    builder.agent()
    datasets = [builder.dataset(e, lineage_text(stats, e.theme.id)) for e in chosen]
    if page == 1:  # the occurrences: one more dataset, listed on the first page
        cim = next((a for a in areas if a.code == "cimrl"), None)
        datasets.append(builder.occurrences_dataset(cim))
    modified = max((e.modified for e in all_entries if e.modified), default=None)
    builder.catalogue(datasets, page, pages, size, len(all_entries) + 1, modified)
    if page == 1:
        builder.services([IRI(links.url(f"/dados/{t.id}/#cimrl")) for t in get_registry()
                          if t.exposure.downloads and t.exposure.ogcapi])
    return builder.g
