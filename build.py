"""Sanwei's command line: check content, build the site, run everything locally.

python build.py check                      report every content problem as path:line
python build.py [build] [--site-url URL] [--api-url URL]
python build.py serve                      site, API and DynamoDB on this machine
python build.py tables --stage prod        create a stage's tables (idempotent)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description="Build and run the Sanwei site.")
    parser.add_argument("command", nargs="?", default="build", choices=["build", "check", "serve", "tables"])
    parser.add_argument("--site-url", help="absolute address the site is served at (QR codes encode it)")
    parser.add_argument("--api-url", help="absolute address of the forms API")
    parser.add_argument("--site-dir", type=Path, help="where to build the site (default: site/)")
    parser.add_argument("--host", default="127.0.0.1", help="serve: address to listen on")
    parser.add_argument("--site-port", type=int, default=8000, help="serve: port of the site")
    parser.add_argument("--api-port", type=int, default=8001, help="serve: port of the API")
    parser.add_argument("--db-port", type=int, default=8002, help="serve: port of the DynamoDB-compatible server")
    parser.add_argument("--stage", default="dev", help="tables: the Chalice stage whose tables to create")
    parser.add_argument("--endpoint-url", help="tables: a DynamoDB endpoint other than AWS's")
    args = parser.parse_args(argv)

    if args.command == "check":
        from sitegen.content import check_content

        content, problems = check_content(ROOT)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
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
        return 0

    from sitegen.local_stack import run_local_stack

    return run_local_stack(
        host=args.host, site_port=args.site_port, api_port=args.api_port, db_port=args.db_port, site_dir=args.site_dir
    )


if __name__ == "__main__":
    sys.exit(main())
