"""Who publishes the open data, under which licence, and the public addresses of the service."""

from __future__ import annotations

from dataclasses import dataclass

from sig.conf import get_settings

PUBLISHER_NAME = "Comunidade Intermunicipal da Região de Leiria"
PUBLISHER_URL = "https://www.cimregiaoleiria.pt"
CONTACT_NAME = "CIM Região de Leiria — SIG"
CONTACT_EMAIL = "sig@cimregiaoleiria.pt"
LICENCE_NAME = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
# CAOP (DGT) is the source of the boundaries that clip and key every layer.
CREDIT = "CIM Região de Leiria e municípios; limites administrativos: DGT — CAOP"
CATALOGUE_TITLE = {"pt": "Dados abertos da CIM Região de Leiria",
                   "en": "Open data of CIM Região de Leiria"}
CATALOGUE_DESCRIPTION = {
    "pt": "Camadas harmonizadas dos dez municípios da Comunidade Intermunicipal da Região de "
          "Leiria: equipamentos, rede viária, iluminação pública, resíduos, moradas e PDM.",
    "en": "Harmonized layers of the ten municipalities of the Leiria Region intermunicipal "
          "community: facilities, roads, street lighting, waste, addresses and master plans.",
}


@dataclass(frozen=True)
class ServiceLinks:
    """Absolute addresses of the service's public endpoints."""

    base: str

    def url(self, path: str) -> str:
        return self.base.rstrip("/") + "/" + path.lstrip("/")

    @property
    def ogcapi(self) -> str:
        """The landing page (with its slash: QGIS does not follow a redirect to it)."""
        return self.url("/ogcapi/")

    @property
    def wms(self) -> str:
        return self.url("/maps/service?SERVICE=WMS&REQUEST=GetCapabilities")

    @property
    def wmts(self) -> str:
        return self.url("/maps/wmts/1.0.0/WMTSCapabilities.xml")

    def collection(self, theme_id: str) -> str:
        return self.url(f"/ogcapi/collections/{theme_id}")

    def vector_tiles(self, theme_id: str) -> str:
        return self.url(f"/ogcapi/collections/{theme_id}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}")


def links_for(base: str | None = None) -> ServiceLinks:
    """Service links from the configured public URL, or from `base` (the request's host)."""
    configured = get_settings().public_url
    return ServiceLinks(configured or base or get_settings().base_url)
