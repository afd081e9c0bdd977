"""The maps service under test: `sig serve` on a free loopback port, with its own cache,
runtime and raster folders, over the test database with CAOP and the demo loaded."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from sig.conf import BASE_DIR
from tests.conftest import free_port

PORTS = range(8340, 8390)


@dataclass
class MapsServer:
    url: str
    folders: dict[str, Path]
    process: subprocess.Popen

    def get(self, path: str, timeout: float = 60) -> tuple[int, str, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                return response.status, response.headers.get("Content-Type", ""), \
                    response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read()


def _wait_ready(server: MapsServer, deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"sig serve exited with {server.process.returncode}")
        try:
            status, _, _ = server.get("/maps/service?SERVICE=WMS&REQUEST=GetCapabilities", 5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("sig serve did not answer in time")


@pytest.fixture(scope="session")
def maps_folders(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("maps")
    return {"SIG_CACHE_DIR": tmp / "cache", "SIG_RUN_DIR": tmp / "run",
            "SIG_RASTER_DIR": tmp / "rasters"}


@pytest.fixture(scope="session")
def maps_env(maps_folders) -> dict[str, str]:
    return dict(os.environ, SIG_MAPSERVER_PROCESSES="2",
                **{name: str(path) for name, path in maps_folders.items()})


@contextmanager
def serving(env: dict[str, str], folders: dict[str, Path], workers: int = 2
            ) -> Iterator[MapsServer]:
    """`sig serve` on a free loopback port with `env`, stopped at the end."""
    port = free_port(PORTS)
    log = open(folders["SIG_RUN_DIR"].parent / "serve.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "sig.cli", "serve", "--port", str(port), "--workers",
         str(workers)], cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = MapsServer(f"http://127.0.0.1:{port}", folders, process)
    try:
        _wait_ready(server, time.monotonic() + 120)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def maps_server(demo, maps_env, maps_folders) -> Iterator[MapsServer]:
    with serving(maps_env, maps_folders) as server:
        yield server


def write_dem(path: Path, size: int = 600, crs: str = "EPSG:4326") -> None:
    """A small synthetic DEM over Leiria (hills and a slope), in `crs`."""
    import rasterio
    from rasterio.transform import from_origin

    y, x = np.mgrid[0:size, 0:size]
    z = (150 + 120 * np.sin(x / 40.0) * np.cos(y / 50.0) + x * 0.3).astype("float32")
    transform = from_origin(-8.86, 39.78, 0.00012, 0.0001)
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="float32", crs=crs, transform=transform, nodata=-9999) as dst:
        dst.write(z, 1)


def write_orthophoto(path: Path, size: int = 256) -> None:
    """A small RGB image in EPSG:3763 near Leiria castle: red left half, blue right half."""
    import rasterio
    from rasterio.transform import from_origin

    rgb = np.zeros((3, size, size), "uint8")
    rgb[0, :, : size // 2] = 220
    rgb[2, :, size // 2:] = 220
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=3,
                       dtype="uint8", crs="EPSG:3763",
                       transform=from_origin(-58500, 9700, 2.0, 2.0)) as dst:
        dst.write(rgb)
