"""``fnguard serve``: run the control plane, and manage its tokens and admin password.

``fnguard serve [--db URL] [--host H] [--port P]`` applies migrations and serves;
``fnguard serve token create|revoke|list`` and ``fnguard serve admin set-password`` work on the
same database without starting the server.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from fnguard.model import InputError

HELP = "run the control plane (API, dashboard, alerts); manage its tokens and admin password"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="database URL: sqlite:///FILE or postgresql://USER:PASS@HOST/DB "
                        "(default: $FNGUARD_DB_URL or fnguard.db in the user data directory)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default: 8080)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (PostgreSQL only; "
                        "they share nothing but the database, and each keeps its own rate-limit buckets)")
    parser.add_argument("--retention-days", type=int, help="keep events this many days (default 90; 0 keeps all)")
    actions = parser.add_subparsers(dest="serve_action", metavar="ACTION", parser_class=type(parser))
    token = actions.add_parser("token", help="create, revoke or list API tokens")
    token_actions = token.add_subparsers(dest="token_action", metavar="TOKEN_ACTION", parser_class=type(parser))
    create = token_actions.add_parser("create", help="create a token and print it (shown only once)")
    create.add_argument("name", help="the source this token is for, e.g. orders-api-prod")
    create.add_argument("--scope", choices=("ingest", "read", "admin"), default="ingest",
                        help="ingest: post events and reports (default); read: query; admin: also change state")
    revoke = token_actions.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("name")
    listing = token_actions.add_parser("list", help="list tokens (never their secrets)")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    admin = actions.add_parser("admin", help="the dashboard's admin account")
    admin_actions = admin.add_subparsers(dest="admin_action", metavar="ADMIN_ACTION", parser_class=type(parser))
    password = admin_actions.add_parser("set-password", help="set the admin password (read from a prompt or stdin)")
    password.add_argument("--stdin", action="store_true", help="read the password from the first line of stdin")
    for sub in (create, revoke, listing, password):
        sub.add_argument("--db", dest="sub_db", help="database URL (as for serve)")


def _settings(args: argparse.Namespace):  # noqa: ANN202 - imports stay lazy so `fnguard --help` is fast
    try:
        from fnguard.server.settings import Retention, Settings
    except ModuleNotFoundError as exc:  # pragma: no cover - only without the server extra
        raise InputError(f"fnguard serve needs the server extra: pip install 'fnguard[server]' ({exc.name} missing)") from exc
    from dataclasses import replace

    settings = Settings.from_env(getattr(args, "sub_db", None) or args.db)
    if args.retention_days is not None:
        if args.retention_days < 0:
            raise InputError("--retention-days must be 0 or more")
        settings = replace(settings, retention=replace(settings.retention or Retention(), events_days=args.retention_days))
    return settings


def _database(args: argparse.Namespace):  # noqa: ANN202
    from fnguard.server.store import make_engine, migrate, session_factory

    engine = make_engine(_settings(args).db_url)
    try:
        migrate(engine)
    except Exception as exc:  # noqa: BLE001 - connection refused, bad password...
        raise InputError(f"cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0]}") from exc
    return session_factory(engine)()


def run(args: argparse.Namespace) -> int:
    if args.serve_action == "token":
        return _token(args)
    if args.serve_action == "admin":
        return _admin(args)
    return _serve(args)


def _token(args: argparse.Namespace) -> int:
    from fnguard.server import auth
    from fnguard.server.models import Token

    if not args.token_action:
        raise InputError("fnguard serve token needs an action: create, revoke or list")
    with _database(args) as db:
        if args.token_action == "create":
            secret = auth.create_token(db, args.name, args.scope)
            sys.stdout.write(secret + "\n")
            sys.stderr.write(f"fnguard: token {args.name!r} ({args.scope}) created; it is shown only this once\n")
        elif args.token_action == "revoke":
            auth.revoke_token(db, args.name)
            sys.stderr.write(f"fnguard: token {args.name!r} revoked\n")
        else:
            from sqlalchemy import select

            tokens = list(db.scalars(select(Token).order_by(Token.id)))
            rows = [{"name": t.name, "scope": t.scope, "prefix": t.prefix, "created_at": t.created_at.isoformat(),
                     "revoked": t.revoked_at is not None,
                     "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None} for t in tokens]
            if args.format == "json":
                sys.stdout.write(json.dumps(rows, indent=2) + "\n")
            else:
                for row in rows:
                    state = "revoked" if row["revoked"] else "active"
                    sys.stdout.write(f"{row['name']}\t{row['scope']}\t{row['prefix']}…\t{state}\t"
                                     f"created {row['created_at']}\tlast used {row['last_used_at'] or 'never'}\n")
    return 0


def _admin(args: argparse.Namespace) -> int:
    from fnguard.server import auth

    if args.admin_action != "set-password":
        raise InputError("fnguard serve admin needs an action: set-password")
    if args.stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("admin password: ")
        if getpass.getpass("again: ") != password:
            raise InputError("the two passwords differ")
    with _database(args) as db:
        auth.set_admin_password(db, password)
    sys.stderr.write("fnguard: admin password set\n")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from fnguard.server.app import create_app

    if not 0 < args.port < 65536:
        raise InputError(f"--port must be between 1 and 65535, not {args.port}")
    if args.workers < 1:
        raise InputError("--workers must be 1 or more")
    settings = _settings(args)
    try:
        app = create_app(settings)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"cannot open the database: {type(exc).__name__}: {str(exc).splitlines()[0]}") from exc
    backend = app.state.engine.dialect.name
    sys.stderr.write(f"fnguard: serving on http://{args.host}:{args.port} ({backend}, {args.workers} worker(s))\n")
    if args.workers == 1:
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning", proxy_headers=False)
        return 0
    if backend == "sqlite":
        raise InputError("--workers above 1 needs PostgreSQL (--db postgresql://...): SQLite has one writer")
    import os

    # Workers are separate processes: they rebuild the app from the environment (migrations are done).
    os.environ["FNGUARD_DB_URL"] = settings.db_url
    if args.retention_days is not None:
        os.environ["FNGUARD_RETENTION_EVENTS_DAYS"] = str(args.retention_days)
    app.state.engine.dispose()
    uvicorn.run("fnguard.server.app:create_app_from_env", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level="warning", proxy_headers=False)
    return 0
