"""Names the mapfile (written by `sig.derive.mapfile`) and the map runtime share.

Defined here, in the package that serves the maps, so that the runtime never imports the
generator of its configuration.
"""

from sig.tilegrid import MAINLAND_EXTENT, PTTM06

# Attribute added to every feature so merged GetFeatureInfo answers keep their layer.
LAYER_ATTRIBUTE = "camada"
# Layer groups of the basemap: opaque background with roads, and the boundaries overlay.
BASEMAP_GROUP = "mapa_base"
BOUNDARIES_GROUP = "limites_administrativos"
# The residents' occurrences (Linha Verde), drawn from the public view of table `ocorrencia`.
OCCURRENCES_LAYER = "ocorrencias"
# Tables each layer draws that is not a theme (a theme layer draws the table of its name).
LAYER_TABLES = {
    BASEMAP_GROUP: frozenset({"municipio", "rede_viaria"}),
    BOUNDARIES_GROUP: frozenset({"municipio", "freguesia"}),
    OCCURRENCES_LAYER: frozenset({"ocorrencia"}),
}

# Transparent PNG, in the main mapfile and the raster mapfile (sig.maps.rasters).
PNG_FORMAT = """  OUTPUTFORMAT
    NAME "png"
    DRIVER AGG/PNG
    MIMETYPE "image/png"
    IMAGEMODE RGBA
    EXTENSION "png"
    TRANSPARENT ON
    FORMATOPTION "COMPRESSION=1"
  END"""


def map_head(name: str, image_color: str, fontset: str) -> str:
    """The opening of a mapfile in PT-TM06, up to and with the PNG output format."""
    extent = " ".join(f"{value:.0f}" for value in MAINLAND_EXTENT)
    return f"""MAP
  NAME "{name}"
  EXTENT {extent}
  UNITS METERS
  SIZE 256 256
  MAXSIZE 4096
  RESOLUTION 90.714
  DEFRESOLUTION 90.714
  IMAGECOLOR "{image_color}"
  FONTSET "{fontset}"
  PROJECTION "init=epsg:{PTTM06.srid}" END
  CONFIG "MS_ERRORFILE" "stderr"
{PNG_FORMAT}"""
