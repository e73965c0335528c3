"""PyPICloud 2 read-path benchmark: cold start (cache rebuild) and /simple/<name>/ throughput.

    .venv/bin/python bench/run.py [--worker-class sync|gthread|both] [--duration 10] ...

See bench/README.md. Only ever talks to 127.0.0.1; every wait and loop is bounded.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH_DIR)
sys.path.insert(0, BENCH_DIR)

import corpus  # noqa: E402

HOST = "127.0.0.1"  # the only address this script ever contacts
# 1.x on this corpus (DESIGN.md, "Where the time goes") and the targets set from it.
TARGETS = {
    "cold_start_s": 2.0,
    "anonymous_rps": 3000.0,          # 20x 1.x's 150 req/s (the floor)
    "anonymous_rps_ideal": 7000.0,    # 20x 1.x's 350 req/s
    "basic_rps": 1060.0,              # 20x 1.x's 53 req/s
}


def log(message: str = "") -> None:
    print(message, flush=True)


# -- set-up -------------------------------------------------------------------------------

def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("bench: wrk is not installed. Install it with: sudo apt-get update && "
                 "sudo apt-get install -y wrk (or run this script as root to install it)")
    log("wrk not found: installing it with apt-get (running as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
        try:
            subprocess.run(command, check=True, env=env, timeout=600,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, FileNotFoundError) as exc:
            sys.exit(f"bench: could not install wrk ({' '.join(command)} failed: {exc}); "
                     "install it yourself: apt-get update && apt-get install -y wrk")
    found = shutil.which("wrk")
    if not found:
        sys.exit("bench: apt-get finished but wrk is still not on PATH")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def write_config(path: str, packages_dir: str, db_path: str, users: dict[str, str]) -> None:
    from ppc_shared.passwords import hash_password, make_context

    context = make_context()  # the real defaults: sha512_crypt, 20,500 rounds
    lines = [
        "[app:main]",
        "pypi.storage = file",
        f"storage.dir = {packages_dir}",
        "pypi.db = sql",
        f"db.url = sqlite:///{db_path}",
        "pypi.fallback = none",
        # everyone may read: anonymous requests and any logged-in user (the Basic run's
        # user "reader" is in no group and not an admin, so default_read decides).
        "pypi.default_read = everyone",
        "auth.admins = admin",
    ]
    lines += [f"user.{name} = {hash_password(context, password)}" for name, password in users.items()]
    with open(path, "w") as handle:
        handle.write("\n".join(lines) + "\n")


# -- cold start ---------------------------------------------------------------------------

def cold_start(config: str, runs: int, cli: bool) -> dict:
    """Empty cache → fill from storage, ``runs`` times on fresh SQLite files (the last one
    is kept for serving); then ``ppc rebuild CONFIG`` once as a subprocess."""
    from ppc_shared.settings import Settings
    from ppc_shared.wiring import load_backends

    base = Settings.from_file(config)
    db_url = base.raw.str("db.url")
    stamps = []
    results = []
    for attempt in range(runs):
        last = attempt == runs - 1
        env = {} if last else {"PPC_DB_URL": db_url.replace("cache.sqlite", f"cold-{attempt}.sqlite")}
        settings = Settings.from_file(config, env=env)
        started = time.perf_counter()
        backends = load_backends(settings)
        opened = time.perf_counter()
        spent = _time_parts(backends)
        result = backends.index.fill_if_empty()
        filled = time.perf_counter()
        spent = dict(spent)  # before the walk below adds to it
        stamps.append(getattr(backends.changes, "path", None))
        if result is None:
            sys.exit("bench: the cache was not empty before the cold start (stale temp dir?)")
        walk_started = time.perf_counter()
        walked = sum(1 for _ in backends.storage.list())
        walk = time.perf_counter() - walk_started
        backends.close()
        if not last:
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.unlink(env["PPC_DB_URL"].removeprefix("sqlite:///") + suffix)
                except OSError:
                    pass
        results.append({"files": result.files, "open_s": opened - started,
                        "fill_s": filled - opened, "total_s": filled - started,
                        "in_fill_walk_s": spent["walk"], "in_fill_sql_s": spent["sql"],
                        "walk_again_s": walk, "walked": walked})
        log(f"  run {attempt + 1}/{runs}: {result.files} files; load_backends {opened - started:.3f} s, "
            f"fill_if_empty {filled - opened:.3f} s = storage walk {spent['walk']:.3f} s + cache writes "
            f"{spent['sql']:.3f} s + rest (the walk alone again: {walk:.3f} s)")
    out = {
        "runs": results,
        "best_total_s": min(r["total_s"] for r in results),
        "median_total_s": statistics.median(r["total_s"] for r in results),
        "stamp_files": [s for s in stamps if s],
    }
    if cli:
        ppc = os.path.join(os.path.dirname(sys.executable), "ppc")
        started = time.perf_counter()
        proc = subprocess.run([ppc, "rebuild", config], capture_output=True, text=True, timeout=300)
        wall = time.perf_counter() - started
        line = (proc.stdout.strip().splitlines() or [""])[-1]
        if proc.returncode != 0:
            log(f"  ppc rebuild failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
        else:
            log(f"  ppc rebuild CONFIG (clear + refill, as a subprocess): wall {wall:.2f} s "
                f"incl. interpreter start and imports; it reports: {line}")
        out["cli_wall_s"] = wall
        out["cli_output"] = line
    return out


def _time_parts(backends) -> dict:
    """Time the storage walk and the cache writes inside a fill, by wrapping them on this
    one Backends object (instance attributes; nothing shared is changed)."""
    spent = {"walk": 0.0, "sql": 0.0}
    storage, cache = backends.storage, backends.cache
    original_list = storage.list

    def timed_list():
        iterator = original_list()
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                spent["walk"] += time.perf_counter() - started
                return
            spent["walk"] += time.perf_counter() - started
            yield item

    def timed(method):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                spent["sql"] += time.perf_counter() - started
        return wrapper

    storage.list = timed_list
    for name in ("save_many", "clear_all", "remove_many", "all_files"):
        if hasattr(cache, name):
            setattr(cache, name, timed(getattr(cache, name)))
    return spent


# -- serving ------------------------------------------------------------------------------

class Server:
    def __init__(self, config: str, worker_class: str, threads: int, core: str | None,
                 accesslog: str, tmpdir: str):
        self.port = free_port()
        self.log_path = os.path.join(tmpdir, f"server-{worker_class}-{self.port}.log")
        command = [sys.executable, os.path.join(BENCH_DIR, "_serve.py"), config, str(self.port),
                   worker_class, str(threads), accesslog]
        if core is not None:
            command = ["taskset", "-c", core] + command
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(command, stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=REPO, start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        for _ in range(int(timeout * 10)):
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}:\n"
                                   + self.tail())
            try:
                status, _, _ = request(self.port, "/health", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout:.0f} s; see {self.log_path}:\n" + self.tail())

    def worker_pid(self) -> int | None:
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as handle:
                children = [int(p) for p in handle.read().split()]
        except OSError:
            return None
        return children[0] if children else None

    def worker_in_use(self) -> str | None:
        try:
            with open(self.log_path, "rb") as handle:
                found = re.search(rb"Using worker: (\S+)", handle.read())
        except OSError:
            return None
        return found.group(1).decode() if found else None

    def tail(self, lines: int = 30) -> str:
        try:
            with open(self.log_path, "rb") as handle:
                return b"".join(handle.readlines()[-lines:]).decode(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # our own session, started above
                self.proc.wait(timeout=10)
        self._log.close()


def request(port: int, path: str, headers: dict | None = None, timeout: float = 5,
            conn: http.client.HTTPConnection | None = None):
    own = conn is None
    conn = conn or http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        return response.status, response.headers, body  # names case-insensitive
    finally:
        if own:
            conn.close()


def cpu_seconds(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def check_behaviour(port: int, names: list[str], auth: str, bad_auth: str) -> list[str]:
    """A few answers that must hold while we measure (so a fast wrong answer cannot pass)."""
    problems = []
    name = names[len(names) // 2]
    path = f"/simple/{name}/"
    status, headers, body = request(port, path)
    if status != 200 or f"Links for {name}".encode() not in body or body.count(b"<a ") != 10:
        problems.append(f"anonymous GET {path}: {status}, {body.count(b'<a ')} links")
    etag = headers.get("ETag")
    if "Accept" not in (headers.get("Vary") or ""):
        problems.append(f"no Vary: Accept on {path}")
    status, _, _ = request(port, path, {"If-None-Match": etag or '"none"'})
    if status != 304:
        problems.append(f"If-None-Match {etag}: {status}, expected 304")
    status, headers, body = request(port, path, {"Accept-Encoding": "gzip"})
    if headers.get("Content-Encoding") != "gzip" or f"Links for {name}".encode() not in gzip.decompress(body):
        problems.append("Accept-Encoding: gzip did not give a gzip body")
    status, headers, body = request(port, path, {"Accept": "application/vnd.pypi.simple.v1+json"})
    if status != 200 or not headers.get("Content-Type", "").startswith("application/vnd.pypi.simple.v1+json"):
        problems.append(f"PEP 691 JSON: {status} {headers.get('Content-Type')}")
    status, _, body = request(port, path, {"Authorization": auth})
    if status != 200 or f"Links for {name}".encode() not in body:
        problems.append(f"Basic-auth GET {path}: {status}")
    status, headers, _ = request(port, path, {"Authorization": bad_auth})
    if status != 401 or "Basic" not in headers.get("WWW-Authenticate", ""):
        problems.append(f"wrong password: {status}, expected 401 with a Basic challenge")
    status, _, _ = request(port, "/simple/no-such-project-here/")
    if status not in (401, 404):
        problems.append(f"unknown project: {status}")
    return problems


def warm_pages(port: int, names: list[str], headers: dict, budget_s: float = 60.0) -> tuple[int, float]:
    """Request every page once (fills the per-process page cache); bounded in time."""
    started = time.monotonic()
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    done = 0
    try:
        for name in names:
            if time.monotonic() - started > budget_s:
                break
            request(port, f"/simple/{name}/", headers, conn=conn)
            done += 1
    finally:
        conn.close()
    return done, time.monotonic() - started


def run_wrk(wrk: str, port: int, names_file: str, auth: str, *, duration: float, connections: int,
            threads: int, core: str | None) -> dict:
    command = [wrk, "-t", str(threads), "-c", str(connections), "-d", f"{duration:g}s", "--latency",
               "--timeout", "5s", "-s", os.path.join(BENCH_DIR, "simple.lua"),
               f"http://{HOST}:{port}/", "--", names_file, auth]
    if core is not None:
        command = ["taskset", "-c", core] + command
    proc = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    result = None
    non_2xx = 0
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line[len("BENCH_RESULT "):])
        elif "Non-2xx or 3xx responses:" in line:
            non_2xx = int(line.rsplit(":", 1)[1])
    if proc.returncode != 0 or result is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    result["non_2xx"] = non_2xx
    return result


def bench_worker_class(args, wrk: str, config: str, names: list[str], names_file: str,
                       users: dict[str, str], tmpdir: str) -> dict:
    auth = "Basic " + base64.b64encode(f"reader:{users['reader']}".encode()).decode()
    bad_auth = "Basic " + base64.b64encode(b"reader:not-the-password").decode()
    # gunicorn quietly runs gthread when worker_class is sync and threads > 1.
    threads = args.threads if args.worker_class_now in ("gthread", "granian") else 1
    server = Server(config, args.worker_class_now, threads, args.server_core, args.accesslog, tmpdir)
    out: dict = {"worker_class": args.worker_class_now, "threads": threads}
    try:
        server.wait_ready()
        if args.worker_class_now != "granian":
            used = server.worker_in_use()
            out["gunicorn_worker"] = used
            log(f"  gunicorn says: Using worker: {used}")
            # ppc serve's gevent worker is a subclass (it turns away TLS on the plain port)
            if used != args.worker_class_now and not (args.worker_class_now == "gevent"
                                                      and used.endswith("PlainHTTPGeventWorker")):
                raise RuntimeError(f"asked for worker class {args.worker_class_now}, gunicorn runs {used}")
        problems = check_behaviour(server.port, names, auth, bad_auth)
        if problems:
            raise RuntimeError("wrong answers, not benchmarking:\n  " + "\n  ".join(problems))
        count, seconds = warm_pages(server.port, names, {})
        log(f"  warmed the page cache: {count} pages in {seconds:.1f} s (sequential, one client)")
        modes = [("anonymous", ""), ("basic", auth)]
        modes = [m for m in modes if args.auth in ("both", m[0])]
        for mode, header in modes:
            if args.warmup > 0:
                run_wrk(wrk, server.port, names_file, header, duration=args.warmup,
                        connections=args.connections, threads=args.wrk_threads, core=args.client_core)
            runs = []
            for attempt in range(args.repeat):
                worker = server.worker_pid()
                cpu_before = cpu_seconds(worker)
                result = run_wrk(wrk, server.port, names_file, header, duration=args.duration,
                                 connections=args.connections, threads=args.wrk_threads,
                                 core=args.client_core)
                cpu_after = cpu_seconds(worker)
                if cpu_before is not None and cpu_after is not None:
                    result["server_worker_cpu_pct"] = round(100 * (cpu_after - cpu_before) / result["seconds"], 1)
                errors = sum(result["errors"].values()) - result["errors"]["status"]
                run_label = f" run {attempt + 1}/{args.repeat}" if args.repeat > 1 else ""
                log(f"  {args.worker_class_now:8s} {mode:10s} {result['rps']:9.0f} req/s   "
                    f"p50 {result['p50_ms']:7.2f} ms   p99 {result['p99_ms']:7.2f} ms   "
                    f"({result['requests']} requests, non-2xx {result['non_2xx']}, socket errors {errors}, "
                    f"worker CPU {result.get('server_worker_cpu_pct', '?')} %){run_label}")
                if result["non_2xx"] or errors:
                    raise RuntimeError(f"{mode}: {result['non_2xx']} non-2xx answers, {errors} socket errors")
                runs.append(result)
            # The run with the median throughput stands for the mode; all are kept.
            chosen = dict(sorted(runs, key=lambda r: r["rps"])[len(runs) // 2])
            chosen["all_rps"] = [round(r["rps"]) for r in runs]
            out[mode] = chosen
    except RuntimeError as exc:
        out["error"] = str(exc)
        log(f"  {args.worker_class_now}: {exc}")
    finally:
        server.stop()
    return out


# -- main ---------------------------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=2000)
    parser.add_argument("--versions", type=int, default=5)
    parser.add_argument("--worker-class", choices=("gevent", "gthread", "sync", "all"), default="gevent",
                        help="gunicorn worker class to measure (default: gevent, what ppc serve runs)")
    parser.add_argument("--server", choices=("gunicorn", "granian", "both"), default="both",
                        help="which of ppc serve's servers to measure (default: both)")
    parser.add_argument("--threads", type=int, default=16, help="gthread threads (ppc serve's default: 16)")
    parser.add_argument("--auth", choices=("anonymous", "basic", "both"), default="both")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measured wrk run")
    parser.add_argument("--repeat", type=int, default=1,
                        help="measured runs per mode; the median one is reported (default 1)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of wrk before each measured run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--server-core", default="0", help="CPU list for the server (taskset -c); 'none' to not pin")
    parser.add_argument("--client-core", default="1", help="CPU list for wrk; 'none' to not pin")
    parser.add_argument("--accesslog", choices=("on", "off"), default="on",
                        help="gunicorn access log as ppc serve has it (on), or off to see its cost")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold-start repetitions (fresh SQLite each)")
    parser.add_argument("--no-cli-rebuild", action="store_true", help="skip timing `ppc rebuild CONFIG`")
    parser.add_argument("--skip-serve", action="store_true", help="only build the corpus and time the cold start")
    parser.add_argument("--corpus-dir", default=os.path.join(BENCH_DIR, "corpus"))
    parser.add_argument("--json", metavar="PATH", help="also write all results as JSON here")
    parser.add_argument("--keep-tmp", action="store_true", help="keep the temp dir (config, SQLite, server logs)")
    args = parser.parse_args(argv)
    for attr in ("server_core", "client_core"):
        if getattr(args, attr) == "none":
            setattr(args, attr, None)
    if (not 1 <= args.duration <= 600 or not 0 <= args.warmup <= 60 or not 1 <= args.cold_runs <= 20
            or not 1 <= args.repeat <= 20):
        parser.error("--duration must be 1..600, --warmup 0..60, --cold-runs 1..20, --repeat 1..20")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    wrk = None if args.skip_serve else ensure_wrk()
    if not args.skip_serve and (args.server_core or args.client_core) and not shutil.which("taskset"):
        sys.exit("bench: taskset (util-linux) is needed to pin cores; or pass --server-core none --client-core none")
    if (os.cpu_count() or 1) < 2 and args.server_core and args.client_core:
        log("warning: fewer than 2 CPUs; server and client share a core")
        args.server_core = args.client_core = "0"

    log(f"== corpus: {args.projects} projects x {args.versions} versions x (wheel + sdist)")
    manifest = corpus.ensure_corpus(args.corpus_dir, args.projects, args.versions, log=log)
    names = manifest["names"]
    results: dict = {"corpus": {k: v for k, v in manifest.items() if k != "names"}, "args": vars(args)}

    tmpdir = tempfile.mkdtemp(prefix="ppc-bench-")
    users = {"admin": secrets.token_urlsafe(12), "reader": secrets.token_urlsafe(12)}
    config = os.path.join(tmpdir, "config.ini")
    write_config(config, manifest["packages_dir"], os.path.join(tmpdir, "cache.sqlite"), users)
    names_file = os.path.join(tmpdir, "names.txt")
    with open(names_file, "w") as handle:
        handle.write("\n".join(names) + "\n")
    stamps: list[str] = []
    try:
        log(f"== cold start: empty SQLite cache -> PackageIndex.fill_if_empty() over {manifest['files']} files "
            f"(OS page cache warm)")
        cold = cold_start(config, args.cold_runs, not args.no_cli_rebuild)
        stamps = cold.pop("stamp_files")
        results["cold_start"] = cold
        log(f"  cold start: best {cold['best_total_s']:.2f} s, median {cold['median_total_s']:.2f} s "
            f"(target < {TARGETS['cold_start_s']:.0f} s)")

        if not args.skip_serve:
            classes = []
            if args.server in ("gunicorn", "both"):
                classes += ["gevent", "gthread", "sync"] if args.worker_class == "all" else [args.worker_class]
            if args.server in ("granian", "both"):
                classes.append("granian")
            results["serve"] = []
            for worker_class in classes:
                args.worker_class_now = worker_class
                server_label = ("ppc serve --server granian (WSGI, 1 worker)"
                                if worker_class == "granian" else f"ppc serve: gunicorn worker_class={worker_class}")
                log(f"== serving: {server_label}"
                    f"{f' threads={args.threads}' if worker_class == 'gthread' else ''}, 1 worker on core "
                    f"{args.server_core}; wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration:g}s on core "
                    f"{args.client_core}; access log {args.accesslog}")
                results["serve"].append(bench_worker_class(args, wrk, config, names, names_file, users, tmpdir))
        summarize(results)
        if args.json:
            with open(args.json, "w") as handle:
                json.dump(results, handle, indent=2)
            log(f"results written to {args.json}")
    finally:
        if args.keep_tmp:
            log(f"temp dir kept: {tmpdir}")
        else:
            shutil.rmtree(tmpdir, ignore_errors=True)
            for stamp in stamps:
                try:
                    os.unlink(stamp)
                except OSError:
                    pass
    return 0


def summarize(results: dict) -> None:
    def verdict(value, target):
        return "ok" if value >= target else "MISS"

    log("")
    log("== summary")
    cold = results["cold_start"]
    log(f"cold start ({cold['runs'][0]['files']:,}-file rebuild): {cold['best_total_s']:.2f} s best, {cold['median_total_s']:.2f} s median"
        f"  [target < {TARGETS['cold_start_s']:.0f} s (median): {'ok' if cold['median_total_s'] < TARGETS['cold_start_s'] else 'MISS'}]")
    for entry in results.get("serve", []):
        label = entry["worker_class"] + (f" ({entry['threads']} threads)" if entry["worker_class"] == "gthread" else "")
        if entry["worker_class"] == "granian":
            label = f"granian ({entry['threads']} threads)"
        if "error" in entry:
            log(f"{label}: ERROR {entry['error'].splitlines()[0]}")
        for mode, target in (("anonymous", TARGETS["anonymous_rps"]), ("basic", TARGETS["basic_rps"])):
            if mode not in entry:
                continue
            r = entry[mode]
            extra = ""
            if mode == "anonymous":
                extra = f", ideal >= {TARGETS['anonymous_rps_ideal']:.0f}: {verdict(r['rps'], TARGETS['anonymous_rps_ideal'])}"
            spread = f" (runs: {', '.join(map(str, r['all_rps']))})" if len(r.get("all_rps", [])) > 1 else ""
            log(f"{label:22s} {mode:9s} {r['rps']:8.0f} req/s  p50 {r['p50_ms']:6.2f} ms  p99 {r['p99_ms']:6.2f} ms"
                f"  [target >= {target:.0f}: {verdict(r['rps'], target)}{extra}]{spread}")


if __name__ == "__main__":
    sys.exit(main())
