"""Entry points of the ``ppc`` command and its 1.x aliases."""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys

from ppc_shared.errors import SettingsError
from ppc_shared.passwords import KNOWN_SCHEMES, MAX_PASSWORD_LENGTH, hash_password, make_context
from ppc_shared.settings import Settings

DEFAULT_PORT = 6543


def _load_settings(path: str) -> Settings:
    return Settings.from_file(path)


def cmd_serve(args: argparse.Namespace) -> int:
    from . import serve
    from .embedded import ensure_embedded_config, read_admin_password

    if args.config:
        config = args.config
        password = None
        embedded = False
    else:
        config, password = ensure_embedded_config(args.data_dir)
        embedded = True
    settings = _load_settings(str(config))
    host, port = args.host, args.port
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    print(f"PyPICloud 2 listening on {url} (config: {config})", flush=True)
    if embedded:
        password = password or read_admin_password(args.data_dir) or "<see admin-password.txt>"
        print(f"  admin user: admin, password: {password} (kept in {os.path.join(os.path.abspath(args.data_dir), 'admin-password.txt')})", flush=True)
    print(f"  pip install --index-url {url.replace('://', '://USER:PASSWORD@')}/simple/ PACKAGE", flush=True)
    print(f"  twine upload --repository-url {url}/simple/ -u USER -p PASSWORD dist/*", flush=True)
    serve.run(settings, host, port, args.workers, args.threads, worker_class=args.worker_class,
              server=args.server, config_path=str(config))
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from ppc_shared.wiring import load_backends

    if getattr(args, "queue", False):
        from .worker_commands import queue_rebuild

        return queue_rebuild(args)

    from .worker_commands import ProgressBar

    backends = load_backends(_load_settings(args.config))
    bar = ProgressBar("rebuild")
    try:
        result = backends.index.rebuild(graceful=args.graceful or None, progress=bar.update)
    finally:
        bar.finish()
        backends.close()
    print(f"rebuilt the cache: {result.files} files ({result.added} added, {result.removed} removed) "
          f"in {result.seconds:.2f} s")
    return 0


def _read_password(prompt_twice: bool) -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if prompt_twice and getpass.getpass("Verify: ") != password:
            raise ValueError("the passwords do not match")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise ValueError("the password is empty")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"the password is longer than {MAX_PASSWORD_LENGTH} characters")
    return password


def cmd_gen_password(args: argparse.Namespace) -> int:
    try:
        password = _read_password(prompt_twice=True)
    except ValueError as exc:
        print(f"ppc gen-password: {exc}", file=sys.stderr)
        return 2
    print(hash_password(make_context(args.scheme, args.rounds), password))
    return 0


def cmd_make_config(args: argparse.Namespace) -> int:
    from .config_template import render_config

    kind = "dev" if args.dev else "prod" if args.prod else "server"
    if os.path.exists(args.output) and not args.force:
        print(f"ppc make-config: {args.output} exists (use --force to replace it)", file=sys.stderr)
        return 2
    try:
        print(f"Password for the admin user {args.admin!r}:", file=sys.stderr)
        password = _read_password(prompt_twice=True)
    except ValueError as exc:
        print(f"ppc make-config: {exc}", file=sys.stderr)
        return 2
    with open(args.output, "w") as handle:
        handle.write(render_config(kind, args.admin, hash_password(make_context(), password)))
    print(f"wrote {args.output} ({kind}); start it with: ppc serve {args.output}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from . import serve as serve_module

    parser = argparse.ArgumentParser(prog="ppc", description="PyPICloud 2: a private Python package index")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the index (the embedded default without CONFIG)")
    serve.add_argument("config", nargs="?", help="a PyPICloud config.ini; omit for the embedded default")
    serve.add_argument("--data-dir", default=os.environ.get("PPC_DATA_DIR", "ppc-data"),
                       help="where the embedded default keeps packages, cache and config (default: ./ppc-data)")
    serve.add_argument("--host", default=os.environ.get("PPC_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PPC_PORT", DEFAULT_PORT)))
    serve.add_argument("--server", choices=serve_module.SERVERS, default="gunicorn",
                       help="the WSGI server (default gunicorn; granian is several times faster)")
    serve.add_argument("--worker-class", choices=serve_module.WORKER_CLASSES, default="gevent",
                       help="gunicorn's worker class (default gevent)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument("--threads", type=int, default=16,
                       help="threads per worker for gthread, blocking threads for granian (default 16)")
    serve.set_defaults(func=cmd_serve)

    rebuild = commands.add_parser("rebuild", help="rebuild the metadata cache from storage")
    rebuild.add_argument("config")
    rebuild.add_argument("--graceful", action="store_true", help="keep every stored file listed while rebuilding")
    rebuild.add_argument("--queue", action="store_true", help="run it on a worker (bus.url) and show its progress")
    from .worker_commands import add_commands, add_job_options

    add_job_options(rebuild)
    rebuild.set_defaults(func=cmd_rebuild)
    add_commands(commands)

    gen = commands.add_parser("gen-password", help="print a password hash for user.<name> (password from stdin or a prompt)")
    gen.add_argument("-s", "--scheme", choices=KNOWN_SCHEMES, default=None)
    gen.add_argument("-r", "--rounds", type=int, default=None)
    gen.set_defaults(func=cmd_gen_password)

    make = commands.add_parser("make-config", help="write a config file")
    kind = make.add_mutually_exclusive_group()
    kind.add_argument("-d", "--dev", action="store_true", help="a development config")
    kind.add_argument("-t", "--server", action="store_true", help="a server config (default)")
    kind.add_argument("-p", "--prod", action="store_true", help="a production config")
    make.add_argument("output")
    make.add_argument("--admin", default="admin", help="name of the admin user (default: admin)")
    make.add_argument("--force", action="store_true")
    make.set_defaults(func=cmd_make_config)

    from .acl_commands import add_commands as add_acl_commands

    add_acl_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"ppc: error: {exc}", file=sys.stderr)
        return 2


def make_config_alias() -> None:
    sys.exit(main(["make-config", *sys.argv[1:]]))


def gen_password_alias() -> None:
    sys.exit(main(["gen-password", *sys.argv[1:]]))


if __name__ == "__main__":
    sys.exit(main())
