"""Photos of a report: the type checked by content, size and pixel limits (no decompression
bombs), re-encoded as JPEG without any metadata (EXIF, GPS, XMP, ICC), at a bounded size.

JPEGs are decoded at a reduced scale (Pillow's draft mode), so a 3 MB photo takes a few tens
of milliseconds.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from sig.conf import get_settings
from sig.ocorrencias.errors import OcorrenciaError, refused

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_PHOTOS = 3
JPEG_QUALITY = 82


@dataclass(frozen=True)
class Photo:
    """A re-encoded photo, ready to store."""

    content: bytes
    width: int
    height: int


def _field(index: int) -> str:
    return f"fotografias.{index}"


def _open(data: bytes, index: int) -> Image.Image:
    """Open by content (never by name or declared type) and check the declared pixels."""
    settings = get_settings()
    if len(data) > settings.ocorrencias_photo_max_mb * 1024 * 1024:
        raise refused(_field(index), f"fotografia demasiado grande (máximo "
                      f"{settings.ocorrencias_photo_max_mb} MB)", status=413)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=sorted(ACCEPTED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise refused(_field(index), "fotografia com demasiados píxeis", status=413) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise refused(_field(index), "o ficheiro não é uma fotografia JPEG, PNG ou WebP "
                      "legível", status=415) from exc
    if image.width * image.height > settings.ocorrencias_photo_max_pixels:
        raise refused(_field(index), "fotografia com demasiados píxeis", status=413)
    return image


def _decode(image: Image.Image, edge: int, index: int) -> Image.Image:
    """Decode at the smallest scale that still gives `edge` pixels, upright, in RGB."""
    if image.format == "JPEG":
        image.draft("RGB", (edge, edge))
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise refused(_field(index), "fotografia danificada ou incompleta", status=415) from exc
    upright.thumbnail((edge, edge), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return upright.convert("RGB")


def process(data: bytes, index: int = 0) -> Photo:
    """One uploaded photo, checked and re-encoded (raises OcorrenciaError)."""
    edge = get_settings().ocorrencias_photo_edge_px
    image = _decode(_open(data, index), edge, index)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False)
    return Photo(out.getvalue(), image.width, image.height)


def process_all(files: list[bytes]) -> list[Photo]:
    if len(files) > MAX_PHOTOS:
        raise OcorrenciaError(f"no máximo {MAX_PHOTOS} fotografias por ocorrência", status=400)
    return [process(data, index) for index, data in enumerate(files)]
