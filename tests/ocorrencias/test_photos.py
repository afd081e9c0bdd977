"""Photos are re-encoded without metadata, at a bounded size, quickly."""

from __future__ import annotations

import io

from PIL import Image

from sig.ocorrencias.photos import process
from tests.ocorrencias.conftest import jpeg


def exif_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Fabricante"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif.get_ifd(0x8825).update({1: "N", 2: (39.0, 44.0, 51.0), 3: "W", 4: (8.0, 48.0, 28.0)})
    return exif.tobytes()


def test_exif_and_gps_are_removed_and_the_orientation_applied():
    original = jpeg(4000, 3000, exif=exif_with_gps())
    assert b"Exif" in original
    photo = process(original)
    stored = Image.open(io.BytesIO(photo.content))
    assert stored.format == "JPEG" and not stored.getexif()
    assert b"Exif" not in photo.content and b"GPS" not in photo.content
    assert (photo.width, photo.height) == (1200, 1600) == stored.size


def test_a_png_becomes_a_small_jpeg():
    out = io.BytesIO()
    Image.new("RGBA", (500, 400), (1, 2, 3, 128)).save(out, "PNG")
    photo = process(out.getvalue())
    assert photo.content[:3] == b"\xff\xd8\xff" and (photo.width, photo.height) == (500, 400)


def test_a_12_megapixel_jpeg_is_reduced_to_the_longest_edge():
    photo = process(jpeg(4000, 3000))  # its time: scripts/bench-report-page
    assert photo.content[:3] == b"\xff\xd8\xff" and max(photo.width, photo.height) == 1600
