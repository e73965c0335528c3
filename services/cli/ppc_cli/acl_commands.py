"""``ppc export`` / ``ppc import`` (and 1.x's ``ppc-export`` / ``ppc-import``): the access
rules in 1.x's dump format, gzipped JSON, between any two backends.

    ppc export old.ini -o acl.json.gz
    ppc export old.ini | ppc import new.ini      # e.g. config → sql

Import merges: running it twice changes nothing the second time.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys

from ppc_shared.errors import PPCError


def _access(config: str):
    from ppc_shared.access import create_access
    from ppc_shared.settings import Settings
    from ppc_shared.wiring import default_change_feed

    settings = Settings.from_file(config)
    backend = create_access(settings.raw)
    # A running server on this host drops its cached answers when we write.
    backend.use_change_feed(default_change_feed(settings))
    return backend


def cmd_export(args: argparse.Namespace) -> int:
    backend = _access(args.config)
    try:
        body = gzip.compress(json.dumps(backend.dump(), indent=2).encode(), mtime=0)
    except PPCError as exc:
        print(f"ppc export: {exc.message}", file=sys.stderr)
        return 1
    if args.output and args.output != "-":
        with open(args.output, "wb") as handle:
            handle.write(body)
    else:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from ppc_shared.access import MutableAccessBackend

    backend = _access(args.config)
    if not isinstance(backend, MutableAccessBackend):
        print(f"ppc import: the access backend of {args.config} ({type(backend).__name__}) is read-only; "
              "import into a mutable one (pypi.auth = sql)", file=sys.stderr)
        return 2
    if args.input and args.input != "-":
        with open(args.input, "rb") as handle:
            raw = handle.read()
    else:
        raw = sys.stdin.buffer.read()
    try:
        data = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
    except (OSError, EOFError, ValueError) as exc:
        print(f"ppc import: not a gzipped JSON ACL dump: {exc}", file=sys.stderr)
        return 2
    try:
        backend.load(data)
    except PPCError as exc:
        print(f"ppc import: {exc.message}", file=sys.stderr)
        return 2
    print(f"imported {len(data.get('users') or [])} users, {len(data.get('groups') or {})} groups "
          f"into {args.config}", file=sys.stderr)
    return 0


def add_commands(commands) -> None:
    export = commands.add_parser("export", help="write users, groups and permissions as a gzipped JSON dump")
    export.add_argument("config")
    export.add_argument("-o", "--output", help="the file to write (default: stdout)")
    export.set_defaults(func=cmd_export)

    imp = commands.add_parser("import", help="merge a dump from ppc export into a mutable access backend")
    imp.add_argument("config")
    imp.add_argument("-i", "--input", help="the dump to read (default: stdin)")
    imp.set_defaults(func=cmd_import)


def export_alias() -> None:
    from .main import main

    sys.exit(main(["export", *sys.argv[1:]]))


def import_alias() -> None:
    from .main import main

    sys.exit(main(["import", *sys.argv[1:]]))
