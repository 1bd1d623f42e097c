"""Sanwei's command line: check content, build the site, run everything locally.

python build.py check                      report every content problem as path:line
python build.py [build] [--site-url URL] [--api-url URL]
python build.py serve                      site, API and DynamoDB on this machine
python build.py tables --stage prod        create a stage's tables and exports bucket (idempotent)
python build.py tokens create --stage prod --name 张三 --role admin|station [--stations a,b] [--days 30]
python build.py tokens list --stage prod   staff tokens: list them, or revoke one (tokens revoke --id ID)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description="Build and run the Sanwei site.")
    parser.add_argument("command", nargs="?", default="build", choices=["build", "check", "serve", "tables", "tokens"])
    parser.add_argument("action", nargs="?", choices=["create", "list", "revoke"], help="tokens: what to do")
    parser.add_argument("--site-url", help="absolute address the site is served at (QR codes encode it)")
    parser.add_argument("--api-url", help="absolute address of the forms API")
    parser.add_argument("--site-dir", type=Path, help="where to build the site (default: site/)")
    parser.add_argument("--host", default="127.0.0.1", help="serve: address to listen on")
    parser.add_argument("--site-port", type=int, default=8000, help="serve: port of the site")
    parser.add_argument("--api-port", type=int, default=8001, help="serve: port of the API")
    parser.add_argument("--db-port", type=int, default=8002, help="serve: port of the DynamoDB-compatible server")
    parser.add_argument("--stage", default="dev", help="tables: the Chalice stage whose tables to create")
    parser.add_argument("--endpoint-url", help="tables, tokens: a DynamoDB (and S3) endpoint other than AWS's")
    parser.add_argument("--name", default="", help="tokens create: who the token is for")
    parser.add_argument("--role", default="", help="tokens create: admin (everything) or station (its stations)")
    parser.add_argument("--stations", default="", help="tokens create: station ids, comma-separated (station role)")
    parser.add_argument("--days", type=int, default=30, help="tokens create: days until it expires (1-366)")
    parser.add_argument("--id", default="", help="tokens revoke: the token's id, as `tokens list` shows it")
    args = parser.parse_args(argv)

    if args.command == "check":
        from sitegen.content import check_content

        content, problems = check_content(ROOT)
        for problem in problems:
            print(problem, file=sys.stderr)
        if content is None:
            print(f"{len(problems)} problem(s) found.", file=sys.stderr)
            return 1
        print(f"Content OK: {len(content.lessons)} lessons, {len(content.stations)} stations.")
        return 0

    if args.command == "build":
        from mkdocs.exceptions import Abort

        from sitegen.site import build_site

        try:
            site_dir = build_site(ROOT, site_url=args.site_url, api_url=args.api_url, site_dir=args.site_dir)
        except Abort as error:
            print(error, file=sys.stderr)
            return 1
        print(f"Built the site into {site_dir}")
        return 0

    if args.command == "tables":
        sys.path.insert(0, str(ROOT / "functions"))
        from chalicelib.tables import create_stage_tables

        created = create_stage_tables(args.stage, args.endpoint_url)
        print(f"Tables of stage {args.stage!r}: {', '.join(created) or 'all there already'} created.")
        from chalicelib.tables import create_stage_bucket

        bucket, made = create_stage_bucket(args.stage, args.endpoint_url)
        print(f"Exports bucket of stage {args.stage!r}: {bucket} {'created' if made else 'there already'}.")
        return 0

    if args.command == "tokens":
        return run_tokens(args)

    from sitegen.local_stack import run_local_stack

    return run_local_stack(
        host=args.host, site_port=args.site_port, api_port=args.api_port, db_port=args.db_port, site_dir=args.site_dir
    )


def run_tokens(args: argparse.Namespace) -> int:
    """`python build.py tokens create|list|revoke`: staff tokens in a stage's table."""
    import os

    import boto3

    sys.path.insert(0, str(ROOT / "functions"))
    from chalicelib.tables import stage_table_names
    from chalicelib.tokens import ROLE_LABELS, TokenStore, check_token_request

    from sitegen.content import load_content

    if args.endpoint_url:
        # A local server (`serve`'s) takes any credentials; never used against AWS.
        for name, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}.items():
            os.environ.setdefault(name, value)
        os.environ.setdefault("AWS_DEFAULT_REGION", "cn-north-1")
    table_name = stage_table_names(args.stage)["submissions"]
    tokens = TokenStore(boto3.resource("dynamodb", endpoint_url=args.endpoint_url).Table(table_name))
    if args.action == "create":
        stations = [station.strip() for station in args.stations.split(",") if station.strip()]
        errors = check_token_request(args.name, args.role, stations, args.days)
        unknown = sorted(set(stations) - {station.id for station in load_content(ROOT).stations})
        if unknown and "stations" not in errors:
            errors["stations"] = f"stations.yaml has no station {', '.join(unknown)}"
        for field, message in errors.items():
            print(f"--{field}: {message}", file=sys.stderr)
        if errors:
            return 2
        issued = tokens.create(args.name, args.role, stations, args.days)
        record = issued.record
        print(f"staff token: {issued.token}")
        print(f"id {record.id} · {record.name} · {ROLE_LABELS[record.role]} {','.join(record.stations)}")
        print(f"expires {record.expires_at}. Only its hash is stored: hand it over now, it is not shown again.")
        return 0
    if args.action == "revoke":
        revoked = tokens.revoke(args.id.strip()) if args.id.strip() else None
        if revoked is None:
            print(f"--id: no token {args.id!r} (see `python build.py tokens list`)", file=sys.stderr)
            return 2
        print(f"revoked {revoked.id} ({revoked.name}) at {revoked.revoked_at}")
        return 0
    if args.action != "list":
        print("tokens: say create, list or revoke", file=sys.stderr)
        return 2
    for record in tokens.list():
        state = f"revoked {record.revoked_at}" if record.revoked_at else f"expires {record.expires_at}"
        print(f"{record.id}  {record.name}  {record.role}  {','.join(record.stations) or '-'}  {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
