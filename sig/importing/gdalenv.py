"""GDAL, as the import uses it on files it does not trust: one driver family, no network.

pyogrio opens a path with every registered GDAL driver in turn; a file that only looks like the
format its extension names could be taken by another driver, and some drivers follow what the
file says: the VRT driver opens the files and URLs it lists (`CSV:/etc/passwd`,
`/vsicurl/http://…`), WFS/OAPIF/HTTP fetch URLs, SQLite's VirtualOGR tables read other files.
`restricted(drivers)` wraps every GDAL call of the import:

- only the drivers named are registered while it runs (the others are deregistered and put
  back, in their order, afterwards), so GDAL never tries another driver on the file;
- GDAL's HTTP client (CRS and schema URLs, GML xlinks…) answers every request with an error
  without touching the network (a fetch callback), and `/vsicurl/` opens no URL;
- the configuration options below turn off the references GDAL would otherwise follow (GML
  xlinks and schemas, KML styles, SQLite virtual tables and extensions).

The calls of one process are serialised by a lock: driver registration and configuration are
process-wide. Imports run in processes of their own (the `sig import` command, the web
editor's import worker), so nothing else in the process waits on it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import pyogrio  # noqa: F401  (loads the GDAL library that pyogrio uses)
from pyogrio import _io  # noqa: F401

# Set while GDAL reads untrusted files; each value restored afterwards.
HARDENED_CONFIG: dict[str, str] = {
    # /vsicurl/ and the handlers built on it (/vsis3/, /vsigs/, /vsiaz/…) open no URL.
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/sig-importacao-sem-rede",
    "GDAL_HTTP_MAX_RETRY": "0",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_CONNECTTIMEOUT": "1",
    # No listing of the file's folder (each sidecar is looked up by name).
    "GDAL_DISABLE_READDIR_ON_OPEN": "TRUE",
    # GML: no xlink:href resolution, no schema download.
    "GML_SKIP_RESOLVE_ELEMS": "ALL",
    "GML_DOWNLOAD_SCHEMA": "NO",
    "GML_DOWNLOAD_WFS_SCHEMA": "NO",
    # KML: styles referenced by URL are not fetched.
    "LIBKML_RESOLVE_STYLE": "NO",
    # SQLite/GeoPackage: no VirtualOGR tables (which open other files), no ATTACH or
    # gdal_get_pixel_value() on other files, no extensions loaded.
    "OGR_SQLITE_STATIC_VIRTUAL_OGR": "NO",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "OGR_SQLITE_LOAD_EXTENSIONS": "",
    # XML: expat's per-allocation limit stays on; no validation against remote schemas.
    "OGR_EXPAT_UNLIMITED_MEM_ALLOC": "NO",
    "GDAL_XML_VALIDATION": "NO",
    # Raster VRTs never run Python code (the import opens no raster; belt and braces).
    "GDAL_VRT_ENABLE_PYTHON": "NO",
}
NETWORK_REFUSED = "acesso à rede desativado durante a importação".encode()
# Room beyond CPLHTTPResult for fields a later GDAL might add (the struct is zeroed).
RESULT_SLACK = 64

_LOCK = threading.RLock()


class _HTTPResult(ctypes.Structure):
    """GDAL's CPLHTTPResult (cpl_http.h)."""

    _fields_ = [("nStatus", ctypes.c_int), ("pszContentType", ctypes.c_void_p),
                ("pszErrBuf", ctypes.c_void_p), ("nDataLen", ctypes.c_int),
                ("nDataAlloc", ctypes.c_int), ("pabyData", ctypes.c_void_p),
                ("papszHeaders", ctypes.c_void_p), ("nMimePartCount", ctypes.c_int),
                ("pasMimePart", ctypes.c_void_p)]


_FETCH = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p,
                          ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)


def _loaded_gdal_libraries() -> list[str]:
    """Paths of the GDAL libraries mapped into this process."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            paths = [line.rsplit(" ", 1)[-1].strip() for line in maps]
    except OSError:
        paths = []
    found = [p for p in dict.fromkeys(paths) if Path(p).name.startswith("libgdal")]
    system = ctypes.util.find_library("gdal")
    return found + ([system] if system else [])


@lru_cache(maxsize=1)
def _gdal() -> ctypes.CDLL:
    """pyogrio's own copy of GDAL (the one whose version pyogrio reports), not another."""
    for path in _loaded_gdal_libraries():
        lib = ctypes.CDLL(path)
        lib.GDALVersionInfo.restype = ctypes.c_char_p
        lib.GDALVersionInfo.argtypes = [ctypes.c_char_p]
        if lib.GDALVersionInfo(b"RELEASE_NAME").decode() == pyogrio.__gdal_version_string__:
            return _declare(lib)
    raise RuntimeError("biblioteca GDAL do pyogrio não encontrada")


def _declare(lib: ctypes.CDLL) -> ctypes.CDLL:
    signatures = {
        "GDALGetDriverCount": (ctypes.c_int, []),
        "GDALGetDriver": (ctypes.c_void_p, [ctypes.c_int]),
        "GDALGetDriverShortName": (ctypes.c_char_p, [ctypes.c_void_p]),
        "GDALDeregisterDriver": (None, [ctypes.c_void_p]),
        "GDALRegisterDriver": (ctypes.c_int, [ctypes.c_void_p]),
        "CPLGetGlobalConfigOption": (ctypes.c_char_p, [ctypes.c_char_p, ctypes.c_char_p]),
        "CPLSetConfigOption": (None, [ctypes.c_char_p, ctypes.c_char_p]),
        "CPLHTTPSetFetchCallback": (None, [_FETCH, ctypes.c_void_p]),
        "VSICalloc": (ctypes.c_void_p, [ctypes.c_size_t, ctypes.c_size_t]),
        "CPLStrdup": (ctypes.c_void_p, [ctypes.c_char_p]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype, function.argtypes = restype, argtypes
    return lib


def _refuse_fetch(url, options, progress, progress_arg, write, write_arg, user) -> int:
    """GDAL's HTTP client, replaced: an error result, allocated the way GDAL frees it."""
    lib = _gdal()
    address = lib.VSICalloc(1, ctypes.sizeof(_HTTPResult) + RESULT_SLACK)
    result = _HTTPResult.from_address(address)
    result.nStatus = 1
    result.pszErrBuf = lib.CPLStrdup(NETWORK_REFUSED)
    return address


_REFUSE_FETCH = _FETCH(_refuse_fetch)  # kept alive for as long as GDAL may call it


def _driver_name(handle: int) -> str:
    return _gdal().GDALGetDriverShortName(handle).decode()


def registered_drivers() -> list[str]:
    """The short names of the drivers GDAL would try now, in order."""
    lib = _gdal()
    return [_driver_name(lib.GDALGetDriver(i)) for i in range(lib.GDALGetDriverCount())]


@contextmanager
def _only_drivers(names: tuple[str, ...]) -> Iterator[None]:
    lib = _gdal()
    everything = [lib.GDALGetDriver(i) for i in range(lib.GDALGetDriverCount())]
    kept = [h for h in everything if _driver_name(h) in names]
    for handle in everything:
        if handle not in kept:
            lib.GDALDeregisterDriver(handle)
    try:
        yield
    finally:
        for handle in kept:
            lib.GDALDeregisterDriver(handle)
        for handle in everything:  # back in the original order
            lib.GDALRegisterDriver(handle)


@contextmanager
def _config(options: dict[str, str]) -> Iterator[None]:
    lib = _gdal()
    saved = {key: lib.CPLGetGlobalConfigOption(key.encode(), None) for key in options}
    for key, value in options.items():
        lib.CPLSetConfigOption(key.encode(), value.encode())
    try:
        yield
    finally:
        for key, value in saved.items():
            lib.CPLSetConfigOption(key.encode(), value)


@contextmanager
def _no_http() -> Iterator[None]:
    lib = _gdal()
    lib.CPLHTTPSetFetchCallback(_REFUSE_FETCH, None)
    try:
        yield
    finally:
        lib.CPLHTTPSetFetchCallback(_FETCH(), None)


@contextmanager
def restricted(drivers: tuple[str, ...]) -> Iterator[None]:
    """GDAL with only `drivers`, no network and no references followed, for one call."""
    if not drivers:
        raise ValueError("restricted() needs at least one driver")
    with _LOCK, _config(HARDENED_CONFIG), _no_http(), _only_drivers(drivers):
        yield
