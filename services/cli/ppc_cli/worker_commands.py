"""``ppc worker``, ``ppc hashes``, ``ppc metadata``, ``ppc job``, ``ppc migrate`` (alias
``ppc-migrate``) and ``ppc rebuild --queue``: the jobs that run on the bus."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable

from ppc_shared.settings import Settings

POLL_SECONDS = 0.25


class ProgressBar:
    """A bar on a terminal; on a pipe, one line per tenth of the way (logs stay short)."""

    def __init__(self, label: str, stream=None):
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last_tenth = -1

    def update(self, done: int, total: int, extra: str = "") -> None:
        if total <= 0:
            return
        if self.tty:
            filled = int(30 * done / total)
            self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {extra}")
            self.stream.flush()
            return
        tenth = int(10 * done / total)
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            print(f"{self.label}: {done}/{total} {extra}".rstrip(), file=self.stream, flush=True)

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


def _settings(path: str) -> Settings:
    return Settings.from_file(path)


def _bus(path: str):
    from ppc_shared.bus import create_celery, prepare_bus

    app = create_celery(_settings(path))
    prepare_bus(app)
    return app


def wait_for_job(app, job_id: str, label: str, timeout: float | None = None) -> dict:
    """Poll a job's status with a progress bar until it ends; its final status."""
    from ppc_shared.bus import job_status

    bar = ProgressBar(label)
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        status = job_status(app, job_id)
        if "progress" in status:
            bar.update(status["progress"].get("done", 0), status["progress"].get("total", 0))
        if status["state"] in ("SUCCESS", "FAILURE", "REVOKED"):
            bar.finish()
            return status
        if deadline is not None and time.monotonic() > deadline:
            bar.finish()
            return status
        time.sleep(POLL_SECONDS)


def _queue_and_report(config: str, task_name: str, label: str, args: argparse.Namespace,
                      kwargs: dict | None = None) -> int:
    app = _bus(config)
    job = app.send_task(task_name, kwargs=kwargs or {})
    print(f"queued job {job.id} ({task_name})", flush=True)
    if args.no_wait:
        print(f"follow it with: ppc job {config} {job.id}")
        return 0
    status = wait_for_job(app, job.id, label, args.timeout)
    print(_describe(status), flush=True)
    return 0 if status["state"] == "SUCCESS" else 1


def _describe(status: dict) -> str:
    if status["state"] == "SUCCESS":
        return f"job {status['id']} done: {status.get('result')}"
    if "error" in status:
        return f"job {status['id']} {status['state'].lower()}: {status['error']}"
    return f"job {status['id']} is {status['state']}"


# -- commands -------------------------------------------------------------------------------
def cmd_worker(args: argparse.Namespace) -> int:
    from ppc_worker import run_worker

    run_worker(_settings(args.config), concurrency=args.concurrency, pool=args.pool,
               loglevel=args.loglevel, hostname=args.hostname)
    return 0


def _in_process_job(config: str, run: Callable) -> int:
    from ppc_shared.wiring import load_backends

    backends = load_backends(_settings(config))
    bar = ProgressBar("progress")
    try:
        counts = run(backends.index, bar.update)
    finally:
        bar.finish()
        backends.close()
    print(f"done: {counts.as_dict()}")
    return 0 if counts.failed == 0 else 1


def cmd_hashes(args: argparse.Namespace) -> int:
    from ppc_shared import bus, maintenance

    if args.queue:
        return _queue_and_report(args.config, bus.COMPUTE_MISSING_HASHES, "hashing", args)
    return _in_process_job(args.config, maintenance.compute_missing_hashes)


def cmd_metadata(args: argparse.Namespace) -> int:
    from ppc_shared import bus, maintenance

    if args.queue:
        return _queue_and_report(args.config, bus.EXTRACT_MISSING_METADATA, "metadata", args)
    return _in_process_job(args.config, maintenance.extract_missing_metadata)


def cmd_job(args: argparse.Namespace) -> int:
    from ppc_shared.bus import job_status

    status = job_status(_bus(args.config), args.job_id)
    print(_describe(status) if "progress" not in status else
          f"job {args.job_id} running: {status['progress'].get('done')}/{status['progress'].get('total')}")
    return 0


def queue_rebuild(args: argparse.Namespace) -> int:
    """``ppc rebuild CONFIG --queue``: the rebuild runs on a worker; we show its status."""
    from ppc_shared import bus

    return _queue_and_report(args.config, bus.REBUILD_CACHE, "rebuild", args,
                             {"graceful": True if args.graceful else None})


def cmd_migrate(args: argparse.Namespace) -> int:
    from ppc_shared import bus
    from ppc_shared.migration import COPIED, files_to_migrate, migrate_all, package_to_dict
    from ppc_shared.wiring import load_backends

    old_path, new_path = os.path.abspath(args.old), os.path.abspath(args.new)
    source, target = load_backends(_settings(old_path)), load_backends(_settings(new_path))
    try:
        missing, present = files_to_migrate(source.index, target.index)
        total = len(missing) + present
        print(f"{total} files in {args.old}: {present} already in {args.new}, {len(missing)} to copy", flush=True)
        if args.in_process:
            bar = ProgressBar("migrating")
            counts = migrate_all(source.index, target.index, packages=missing,
                                 progress=lambda c: bar.update(c.copied + c.present + c.failed, len(missing)))
            bar.finish()
            copied, failed = counts.copied, counts.failed
            present += counts.present
        else:
            app = _bus(new_path)
            jobs = [app.send_task(bus.MIGRATE_FILE, args=[old_path, new_path, package_to_dict(p)])
                    for p in missing]
            print(f"queued {len(jobs)} jobs on {app.ppc_bus.url.split('@')[-1]}", flush=True)
            copied = failed = 0
            bar = ProgressBar("migrating")
            pending = list(jobs)
            deadline = None if args.timeout is None else time.monotonic() + args.timeout
            while pending and (deadline is None or time.monotonic() < deadline):
                still = []
                for job in pending:
                    state = job.state
                    if state == "SUCCESS":
                        if job.result == COPIED:
                            copied += 1
                        else:
                            present += 1
                    elif state in ("FAILURE", "REVOKED"):
                        failed += 1
                        print(f"\nfailed: {job.result}", file=sys.stderr)
                    else:
                        still.append(job)
                pending = still
                bar.update(len(jobs) - len(pending), len(jobs))
                if pending:
                    time.sleep(POLL_SECONDS)
            bar.finish()
            if pending:
                print(f"{len(pending)} jobs still running; run the command again to finish", file=sys.stderr)
        target.changes.notify()
        left, _ = files_to_migrate(source.index, target.index)
        print(f"migrated: {copied} copied, {present} already present, {failed} failed, "
              f"{len(left)} missing of {total}", flush=True)
        return 0 if not left and not failed else 1
    finally:
        source.close()
        target.close()


def add_job_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-wait", action="store_true", help="queue the job and return its id")
    parser.add_argument("--timeout", type=float, default=None, help="stop waiting after this many seconds")


def add_commands(commands) -> None:
    """Register the bus commands on ``ppc``'s subparsers."""
    worker = commands.add_parser("worker", help="run a worker on the bus of CONFIG (bus.url)")
    worker.add_argument("config")
    worker.add_argument("--concurrency", type=int, default=2)
    worker.add_argument("--pool", choices=("threads", "prefork", "solo"), default="threads")
    worker.add_argument("--loglevel", default="INFO")
    worker.add_argument("--hostname", default=None)
    worker.set_defaults(func=cmd_worker)

    for name, func, text in (("hashes", cmd_hashes, "compute missing sha256/md5 of stored files"),
                             ("metadata", cmd_metadata, "extract missing PEP 658 metadata of stored wheels")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("config")
        sub.add_argument("--queue", action="store_true", help="run it on a worker instead of here")
        add_job_options(sub)
        sub.set_defaults(func=func)

    job = commands.add_parser("job", help="show a queued job's status")
    job.add_argument("config")
    job.add_argument("job_id")
    job.set_defaults(func=cmd_job)

    migrate = commands.add_parser("migrate", help="copy every package from OLD's storage to NEW's (resumable)")
    migrate.add_argument("old")
    migrate.add_argument("new")
    migrate.add_argument("--in-process", action="store_true", help="copy here instead of queueing jobs")
    migrate.add_argument("--timeout", type=float, default=None, help="stop waiting for jobs after this many seconds")
    migrate.set_defaults(func=cmd_migrate)


def migrate_alias() -> None:
    from .main import main

    sys.exit(main(["migrate", *sys.argv[1:]]))


def start_embedded_worker(settings: Settings, config_path: str | None):
    """``ppc serve`` on a bus that needs no server (the embedded default) runs one worker
    beside the index, as a child process; None when the bus is distributed (workers are
    deployed on their own) or ``bus.embedded_worker = false``."""
    import atexit
    import subprocess

    from ppc_shared.bus import BusSettings

    bus = BusSettings.from_settings(settings)
    if not bus.run_embedded_worker or config_path is None:
        return None
    _bus(config_path)  # its tables exist before the worker and the first client race to make them
    process = subprocess.Popen([sys.executable, "-m", "ppc_cli.main", "worker", os.path.abspath(config_path),
                                "--concurrency", "2", "--loglevel", "WARNING"], stdin=subprocess.DEVNULL)
    owner = os.getpid()

    def stop() -> None:
        # gunicorn's forked workers inherit this handler: only the starter stops the worker.
        if os.getpid() == owner and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    atexit.register(stop)
    return process
