"""Load benchmark of the whole service (`make bench-load` → scripts/bench-load).

One gunicorn with the production settings (docker/gunicorn.conf.py) on loopback, demo data in
a database of its own, then for a bounded time, at once:
- wrk (Debian package) with N connections spread over cached WMTS tiles, vector tiles, items
  pages, single items and the web map page, one wrk process per kind so that each gets its
  own latency distribution;
- E editors saving through the editing API (GET the feature, PUT it with If-Match), each with
  its own API token, a pause between saves.
Endpoints that answer 404 are skipped and reported, never fatal. With `--configs 3x4,2x8`
the same mix runs once per gunicorn configuration (workers x threads) and the table shows the
throughput of each relative to the first: the figures behind docs/scaling.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sig.conf import BASE_DIR

SIG = str(BASE_DIR / ".venv" / "bin" / "sig")
GUNICORN = str(BASE_DIR / ".venv" / "bin" / "gunicorn")
LEIRIA = (-8.807, 39.744)  # lon, lat of the centre of Leiria
TARGET_P99_MS = 500.0
# Share of the wrk connections per kind of request.
MIX = {"wmts": 0.30, "vector_tiles": 0.30, "items": 0.16, "item": 0.14, "web_map": 0.10}
LABELS = {"wmts": "WMTS PNG (cache)", "vector_tiles": "tiles vetoriais MVT",
          "items": "items limit=100", "item": "item único", "web_map": "página do mapa",
          "editors": "gravações (API)"}
EDITOR_MUNICIPIOS = ("1009", "1010", "1002", "1003", "1004", "1007", "1008", "1013")

WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
  paths = {}
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths)
end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, '
    .. '"write": %d, "status": %d, "timeout": %d, "p50": %d, "p95": %d, "p99": %d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass
class Result:
    kind: str
    requests: int = 0
    seconds: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    errors: int = 0
    note: str = ""

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# --- helpers ----------------------------------------------------------------------------


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def free_port(first: int = 8600, last: int = 8699) -> int:
    for port in range(first, last + 1):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"nenhuma porta livre entre {first} e {last}")


def run_sig(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run([SIG, *args], env=env, input=stdin, capture_output=True,
                            text=True, timeout=1800)
    if result.returncode != 0:
        raise RuntimeError(f"sig {' '.join(args)}: {result.stderr.strip() or result.stdout}")
    return result.stdout


def request(port: int, method: str, path: str, headers: dict[str, str] | None = None,
            body: bytes | None = None, timeout: float = 30) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def tile_xy(lon: float, lat: float, z: int) -> tuple[int, int]:
    """WebMercatorQuad / GLOBAL_WEBMERCATOR column and row (origin top left)."""
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def tiles_around(zooms: range) -> list[tuple[int, int, int]]:
    """A 3 x 3 block of tiles around Leiria at each zoom."""
    result = []
    for z in zooms:
        x0, y0 = tile_xy(*LEIRIA, z)
        result += [(z, x0 + dx, y0 + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    return result


# --- database, accounts and server ----------------------------------------------------------


def prepare_database(env: dict[str, str], scale: float, reuse: bool) -> None:
    """A database of the benchmark's own with CAOP and demo data (kept with --reuse-db)."""
    if reuse and _has_data(env):
        say(f"base de dados {env['SIG_DB_NAME']} reutilizada")
        return
    say(f"base de dados {env['SIG_DB_NAME']}: criar, migrar, CAOP, demo à escala {scale}")
    run_sig(env, "drop-db", "--yes", env["SIG_DB_NAME"])
    run_sig(env, "bootstrap-db")
    run_sig(env, "migrate")
    caop = BASE_DIR.parent / "shared" / "data" / "caop"
    run_sig(env, "load-caop", *([str(caop)] if caop.is_dir() else []))
    run_sig(env, "demo", "--scale", str(scale))


def _owner_query(env: dict[str, str], sql: str, params: tuple = ()) -> list[tuple]:
    import psycopg

    from sig.conf import load_settings

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        url = load_settings().database_owner_url
    finally:
        os.environ.clear()
        os.environ.update(saved)
    with psycopg.connect(url, connect_timeout=5) as conn:
        return conn.execute(sql, params).fetchall()


def _has_data(env: dict[str, str]) -> bool:
    try:
        return _owner_query(env, "SELECT count(*) FROM moradas")[0][0] > 0
    except Exception:
        return False


@dataclass
class Editor:
    name: str
    token: str
    municipio: str
    ids: list[int]


def create_editors(env: dict[str, str], count: int) -> tuple[list[Editor], str]:
    """Editor accounts with API tokens, each in its own municipality (needs `sig token`)."""
    editors = []
    for number, dico in enumerate(EDITOR_MUNICIPIOS[:count], start=1):
        name = f"bench_editor_{number}"
        try:
            run_sig(env, "user", "add", name, "--role", "editor", "--municipio", dico)
            token = run_sig(env, "token", name).splitlines()[1].strip()
        except (RuntimeError, IndexError) as exc:
            return [], f"editores não criados ({str(exc).splitlines()[0][:120]})"
        ids = [r[0] for r in _owner_query(
            env, "SELECT id FROM moradas WHERE municipio = %s ORDER BY id LIMIT 30", (dico,))]
        editors.append(Editor(name, token, dico, ids))
    return editors, ""


@dataclass
class Server:
    env: dict[str, str]
    port: int
    folder: Path
    process: subprocess.Popen | None = None

    def start(self, workers: int, threads: int) -> None:
        log = open(self.folder / f"gunicorn-{workers}x{threads}.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [GUNICORN, "--config", str(BASE_DIR / "docker" / "gunicorn.conf.py"),
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
             "--threads", str(threads), "--access-logfile", "/dev/null",
             "sig.wsgi:application"],
            env=self.env, cwd=BASE_DIR, stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/healthz", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn terminou ({self.folder})")
            time.sleep(0.5)
        raise RuntimeError("gunicorn não respondeu em 120 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()


def server_env(base: dict[str, str], folder: Path) -> dict[str, str]:
    """Production settings on loopback; workers live long (the benchmark measures steady state)."""
    return base | {
        "SIG_ENV": "production", "SIG_SECRET_KEY": secrets.token_urlsafe(50),
        "SIG_ALLOWED_HOSTS": "127.0.0.1", "SIG_CACHE_DIR": str(folder / "cache"),
        "GUNICORN_MAX_REQUESTS": base.get("GUNICORN_MAX_REQUESTS", "0"),
    }


# --- what to request ------------------------------------------------------------------------


def candidate_paths(env: dict[str, str]) -> dict[str, list[str]]:
    """Paths per kind, following the service's URL contracts."""
    from sig.registry import get_registry

    registry = {t.id: t for t in get_registry()}
    enabled = {i for i, t in registry.items() if t.exposure.maps.enabled}
    layers = [t for t in ("rede_viaria", "equipamentos", "ordenamento") if t in enabled][:2]
    ids = {c: [r[0] for r in _owner_query(env, f"SELECT id FROM {c} ORDER BY id LIMIT 40")]
           for c in ("moradas", "equipamentos")}
    return {
        "wmts": [f"/maps/wmts/{layer}/GLOBAL_WEBMERCATOR/{z}/{x}/{y}.png"
                 for layer in layers for z, x, y in tiles_around(range(13, 16))],
        "vector_tiles": [f"/ogcapi/collections/{c}/tiles/WebMercatorQuad/{z}/{y}/{x}"
                         for c in ("moradas", "rede_viaria") for z, x, y in
                         tiles_around(_zooms(registry[c].exposure.tiles.min_zoom))],
        "items": [f"/ogcapi/collections/{c}/items?limit=100&offset={o}"
                  for c in ("moradas", "equipamentos", "rede_viaria", "ordenamento")
                  for o in (0, 100)],
        "item": [f"/ogcapi/collections/{c}/items/{i}" for c, found in ids.items() for i in found],
        "web_map": ["/"],
    }


def _zooms(min_zoom: int, first: int = 12) -> range:
    """Three zoom levels from `first`, or from the collection's first zoom if later."""
    start = max(first, min_zoom)
    return range(start, start + 3)


def probe(port: int, paths: list[str]) -> tuple[list[str], str]:
    """Paths that answer 200 (requesting each once also fills the caches), and a note."""
    good: list[str] = []
    statuses: dict[int | str, int] = {}
    for path in paths:
        status: int | str
        try:
            status = request(port, "GET", path, timeout=60)[0]
        except OSError as exc:
            status = type(exc).__name__
        statuses[status] = statuses.get(status, 0) + 1
        if status == 200:
            good.append(path)
    note = ", ".join(f"{n}× {s}" for s, n in statuses.items() if s != 200)
    if not good and 404 in statuses:
        note = f"ignorado: 404 em todos os {len(paths)} endereços (serviço em falta)"
    return good, note


def split_connections(total: int, kinds: list[str]) -> dict[str, int]:
    share = sum(MIX[k] for k in kinds)
    counts = {k: max(1, round(total * MIX[k] / share)) for k in kinds}
    largest = max(counts, key=lambda kind: counts[kind])
    counts[largest] += total - sum(counts.values())
    return counts


# --- load -----------------------------------------------------------------------------------


def start_wrk(port: int, kind: str, paths: list[str], connections: int, seconds: int,
              folder: Path) -> subprocess.Popen:
    (folder / f"{kind}.txt").write_text("\n".join(paths) + "\n")
    script = folder / "mix.lua"
    if not script.exists():
        script.write_text(WRK_SCRIPT)
    return subprocess.Popen(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(script), f"http://127.0.0.1:{port}", "--", str(folder / f"{kind}.txt")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wrk_result(kind: str, process: subprocess.Popen) -> Result:
    out, err = process.communicate(timeout=600)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    if not lines:
        return Result(kind, note=f"wrk falhou: {err.strip()[:200]}")
    data = json.loads(lines[-1])
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Result(kind, data["requests"], data["duration_us"] / 1e6, data["p50"] / 1000,
                  data["p95"] / 1000, data["p99"] / 1000, errors)


@dataclass
class Saves:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, ms: float, failure: str = "") -> None:
        with self.lock:
            self.latencies.append(ms)
            if failure:
                self.failures.append(failure)


def _save_once(port: int, editor: Editor, fid: int, attributes: list[str], turn: int,
               saves: Saves) -> None:
    path = f"/ogcapi/collections/moradas/items/{fid}"
    status, headers, body = request(port, "GET", path)
    if status != 200:
        saves.add(0.0, f"GET {status}")
        return
    feature = json.loads(body)
    tag = headers.get("ETag")
    if not tag:
        saves.add(0.0, "GET sem ETag")
        return
    properties = {a: feature["properties"].get(a) for a in attributes}
    properties["localidade"] = f"Carga {editor.name[-1]}-{turn}"
    payload = json.dumps({"type": "Feature", "geometry": feature["geometry"],
                          "properties": properties}).encode()
    start = time.perf_counter()
    status, _, body = request(port, "PUT", path, {
        "Authorization": f"Bearer {editor.token}", "If-Match": tag,
        "Content-Type": "application/geo+json"}, payload)
    ms = (time.perf_counter() - start) * 1000
    saves.add(ms, "" if status == 200 else f"PUT {status}: {body[:160].decode(errors='replace')}")


def editor_loop(port: int, editor: Editor, deadline: float, pause: float, saves: Saves) -> None:
    from sig.registry import get_registry

    attributes = [a.name for a in get_registry().themes["moradas"].attributes]
    turn = 0
    while time.monotonic() < deadline:
        turn += 1
        try:
            _save_once(port, editor, editor.ids[turn % len(editor.ids)], attributes, turn, saves)
        except (OSError, ValueError, KeyError) as exc:
            saves.add(0.0, f"{type(exc).__name__}: {exc}")
        time.sleep(pause)


def saves_result(saves: Saves, seconds: float) -> Result:
    done = sorted(ms for ms in saves.latencies if ms > 0)
    if not done:
        return Result("editors", errors=len(saves.failures),
                      note=saves.failures[0] if saves.failures else "sem gravações")
    pick = lambda q: done[min(len(done) - 1, int(q * len(done)))]  # noqa: E731
    return Result("editors", len(saves.latencies), seconds, pick(0.50), pick(0.95),
                  pick(0.99), len(saves.failures),
                  saves.failures[0][:100] if saves.failures else "")


# --- one run and the report ----------------------------------------------------------------


@dataclass
class Plan:
    paths: dict[str, list[str]]
    notes: dict[str, str]
    editors: list[Editor]


def discover(port: int, env: dict[str, str], editors: list[Editor], note: str) -> Plan:
    paths, notes = {}, {}
    for kind, candidates in candidate_paths(env).items():
        good, notes[kind] = probe(port, candidates)
        if good:
            paths[kind] = good
        say(f"{LABELS[kind]}: {len(good)}/{len(candidates)} endereços"
            + (f" ({notes[kind]})" if notes[kind] else ""))
    if editors:
        status = request(port, "OPTIONS", "/ogcapi/collections/moradas/items/1")[0]
        if status == 404:
            editors, note = [], "ignorado: a API de edição responde 404"
    notes["editors"] = note
    return Plan(paths, notes, editors)


def warm_up(port: int, plan: Plan, connections: int, seconds: int, folder: Path) -> None:
    """The same mix, unmeasured: every worker loads its code and fills its caches first."""
    counts = split_connections(connections, list(plan.paths))
    for process in [start_wrk(port, k, plan.paths[k], counts[k], seconds, folder)
                    for k in plan.paths]:
        process.communicate(timeout=seconds + 120)


def run_mix(port: int, plan: Plan, connections: int, seconds: int, pause: float,
            folder: Path) -> list[Result]:
    counts = split_connections(connections, list(plan.paths))
    processes = {k: start_wrk(port, k, plan.paths[k], counts[k], seconds, folder)
                 for k in plan.paths}
    saves, deadline = Saves(), time.monotonic() + seconds
    threads = [threading.Thread(target=editor_loop, args=(port, e, deadline, pause, saves))
               for e in plan.editors]
    for thread in threads:
        thread.start()
    results = [wrk_result(k, p) for k, p in processes.items()]
    for thread in threads:
        thread.join()
    if plan.editors:
        results.append(saves_result(saves, seconds))
    for result in results:
        result.note = result.note or plan.notes.get(result.kind, "")
    return results


def print_table(title: str, results: list[Result], counts: dict[str, int]) -> None:
    print(f"\n{title}")
    header = (f"{'pedido':<22}{'lig.':>5}{'pedidos/s':>11}{'p50 ms':>9}{'p95 ms':>9}"
              f"{'p99 ms':>9}{'erros':>7}{'p99/500ms':>11}")
    print(header)
    print("-" * len(header))
    for r in results:
        conns = counts.get(r.kind, 0)
        print(f"{LABELS[r.kind]:<22}{conns:>5}{r.rate:>11.1f}{r.p50:>9.1f}{r.p95:>9.1f}"
              f"{r.p99:>9.1f}{r.errors:>7}{r.p99 / TARGET_P99_MS:>11.2f}"
              + (f"  {r.note}" if r.note else ""))
    total = sum(r.rate for r in results)
    errors = sum(r.errors for r in results)
    worst = max((r.p99 for r in results), default=0)
    print(f"{'total':<22}{sum(counts.values()):>5}{total:>11.1f}{'':>27}{errors:>7}"
          f"{worst / TARGET_P99_MS:>11.2f}")


def print_comparison(runs: list[tuple[str, list[Result]]]) -> None:
    print("\ncomparação das configurações do gunicorn (razão: pedidos/s face à primeira)")
    base = sum(r.rate for r in runs[0][1]) or 1
    for config, results in runs:
        rate = sum(r.rate for r in results)
        worst = max(r.p99 for r in results)
        errors = sum(r.errors for r in results)
        print(f"  {config:<8} {rate:>9.1f} pedidos/s  razão {rate / base:>5.2f}  "
              f"pior p99 {worst:>7.1f} ms  erros {errors}")


# --- command line ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scripts/bench-load", description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=int, default=60, help="segundos de carga (omissão 60)")
    p.add_argument("--connections", type=int, default=50, help="ligações do wrk (omissão 50)")
    p.add_argument("--editors", type=int, default=5, help="editores a gravar (omissão 5)")
    p.add_argument("--warmup", type=int, default=15, help="segundos de aquecimento, sem medir")
    p.add_argument("--pause", type=float, default=0.5, help="pausa entre gravações, s")
    p.add_argument("--scale", type=float, default=1.0, help="escala de `sig demo`")
    p.add_argument("--db", default="sig_bench_load", help="base de dados do benchmark")
    p.add_argument("--reuse-db", action="store_true", help="reutilizar a base já preenchida")
    p.add_argument("--configs", default="3x4",
                   help="configurações do gunicorn WORKERSxTHREADS, separadas por vírgulas")
    args = p.parse_args(argv)
    if not 1 <= args.duration <= 600 or not 1 <= args.connections <= 500:
        p.error("limites: --duration 1..600 s, --connections 1..500")
    if args.editors > len(EDITOR_MUNICIPIOS):
        p.error(f"no máximo {len(EDITOR_MUNICIPIOS)} editores")
    return args


def _configs(text: str) -> list[tuple[int, int]]:
    pairs = []
    for item in text.split(","):
        workers, _, threads = item.strip().partition("x")
        pairs.append((int(workers), int(threads or 1)))
    return pairs


def run_config(env: dict[str, str], folder: Path, config: tuple[int, int],
               editors: tuple[list[Editor], str], args: argparse.Namespace) -> list[Result]:
    workers, threads = config
    server = Server(server_env(env, folder), free_port(), folder)
    say(f"gunicorn {workers} processos x {threads} threads na porta {server.port}")
    server.start(workers, threads)
    try:
        plan = discover(server.port, env, *editors)
        say(f"aquecimento durante {args.warmup} s (não medido)")
        warm_up(server.port, plan, args.connections, args.warmup, folder)
        say(f"carga durante {args.duration} s: {args.connections} ligações do wrk e "
            f"{len(plan.editors)} editores")
        results = run_mix(server.port, plan, args.connections, args.duration, args.pause,
                          folder)
    finally:
        server.stop()
    counts = split_connections(args.connections, list(plan.paths))
    counts["editors"] = len(plan.editors)
    print_table(f"gunicorn {workers}x{threads}, {args.duration} s, {os.cpu_count()} CPU, "
                f"demo à escala {args.scale}", results, counts)
    return results


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if subprocess.run(["which", "wrk"], capture_output=True).returncode != 0:
        print("erro: falta o wrk (apt-get install wrk, ou scripts/setup)", file=sys.stderr)
        return 2
    env = dict(os.environ) | {"SIG_DB_NAME": args.db}
    prepare_database(env, args.scale, args.reuse_db)
    editors = create_editors(env, args.editors) if args.editors else ([], "sem editores")
    runs = []
    with tempfile.TemporaryDirectory(prefix="sig-bench-load-") as tmp:
        for config in _configs(args.configs):
            results = run_config(env, Path(tmp), config, editors, args)
            runs.append((f"{config[0]}x{config[1]}", results))
    if len(runs) > 1:
        print_comparison(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
