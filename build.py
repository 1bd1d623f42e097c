"""Sanwei's command line: check content, build the site, run everything locally.

python build.py check                      report every content problem as path:line
python build.py [build] [--site-url URL] [--api-url URL]
python build.py serve                      site, API and DynamoDB on this machine
python build.py tables --endpoint-url URL  create the local stage's tables and exports bucket (idempotent)
python build.py stack --stage prod [--api] print a stage's data (or API) stack template (stages.yaml); --output FILE
python build.py stack --stage prod --ci-role   the template of the role CI deploys the stage with
python build.py deploy --stage prod        check, deploy both stacks, build and upload the site (--quick-tests)
python build.py tokens create --stage prod --name 张三 --role admin|station [--stations a,b] [--days 30]
python build.py tokens list --stage prod   staff tokens: list them, or revoke one (tokens revoke --id ID)

Each command has its own help (`python build.py serve --help`), in Chinese: editors and the
office's IT person read it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from deploy.stages import Stage

ROOT = Path(__file__).resolve().parent


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's layout, with its own headings in Chinese."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """An argument parser that speaks Chinese in its headings, help option and errors."""

    def __init__(self, **kwargs):
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(add_help=False, **kwargs)
        self._positionals.title = "命令"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示这段说明，然后退出")

    def error(self, message: str) -> NoReturn:
        # argparse words its own complaints in English; say in Chinese where to look.
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：命令写得不对（{message}）。用 {self.prog} --help 查看写法。\n")


def make_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per job, each with only its own options."""
    parser = _Parser(
        prog="build.py",
        description="三微（Sanwei）的命令行：检查内容、生成网站、在本机运行、建表、生成数据栈模板、部署、管理工作人员令牌。\n"
        "不写命令时就是 build（生成网站）。每个命令的说明：python3 build.py <命令> --help",
    )
    commands = parser.add_subparsers(dest="command", metavar="<命令>", parser_class=_Parser)

    build = commands.add_parser("build", help="生成网站（默认命令）", description="检查内容，然后把网站生成到 site/。")
    build.add_argument(
        "--site-url", metavar="URL", help="网站上线后的完整地址，二维码里写的就是它，例如 https://example.org/sanwei/"
    )
    build.add_argument("--api-url", metavar="URL", help="表单接口的完整地址，例如 https://api.example.org/api/")
    _add_site_dir(build)

    commands.add_parser(
        "check",
        help="检查课程、驿站和支部，列出每个问题",
        description="检查 lessons/、stations.yaml 和 branches.yaml，每个问题一行：文件:行号: 哪里不对、应该怎么写。"
        "有问题时退出码为 1。",
    )

    serve = commands.add_parser(
        "serve",
        help="在本机运行网站、接口和数据库",
        description="在本机运行全部服务：内嵌的 DynamoDB 兼容数据库（数据只在内存里，停止后清空；"
        "用 --data 保存到文件夹）、表单接口和生成好的网站，并打印工作人员的登录令牌。"
        "课程、stations.yaml、branches.yaml、mkdocs.yml 或主题改动后自动重新生成网站，"
        "并刷新打开的页面。按 Ctrl-C 停止。",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", metavar="HOST", help="监听的地址（默认 127.0.0.1，只有本机能访问）"
    )
    serve.add_argument("--site-port", type=int, default=8000, metavar="PORT", help="网站的端口（默认 8000）")
    serve.add_argument("--api-port", type=int, default=8001, metavar="PORT", help="表单接口的端口（默认 8001）")
    serve.add_argument("--db-port", type=int, default=8002, metavar="PORT", help="内嵌数据库的端口（默认 8002）")
    serve.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        help="把本机的数据表、导出文件和工作人员令牌保存在这个文件夹里，下次启动还在"
        "（例如 .local-data，不会提交到 git；不写就只在内存里）",
    )
    serve.add_argument(
        "--no-watch",
        dest="watch",
        action="store_false",
        help="只生成一次网站，不监视文件、不自动刷新页面，像静态网站主机那样提供网站（含压缩副本）",
    )
    _add_site_dir(serve)

    tables = commands.add_parser(
        "tables",
        help="在本机的模拟服务器上创建数据表和导出文件桶",
        description="在本机的模拟服务器（例如 build.py serve 的 DynamoDB）上创建本机环境 dev 的数据表和导出文件桶；"
        "已有的保持不动，可以重复运行。\n"
        "stages.yaml 里部署的环境（例如 prod）的表和桶由数据栈管理，请用 python3 build.py deploy --stage 环境名。",
    )
    _add_stage(tables, "本机环境名，见 functions/.chalice/config.json（默认 dev）")

    stack = commands.add_parser(
        "stack",
        help="生成一个环境的数据栈模板或接口栈模板（CloudFormation）",
        description="按 stages.yaml 里这个环境的设置，生成数据栈的 CloudFormation 模板：提交记录表、"
        "导出文件桶、网站文件桶和告警主题；加 --api 则生成接口栈的模板：接口函数、API Gateway、"
        "网站 CDN 和告警（用 chalice package 打包，要下载函数的依赖）。只生成模板，不连 AWS。",
    )
    stack.add_argument("--stage", required=True, metavar="STAGE", help="stages.yaml 里的环境名，例如 prod")
    stack.add_argument("--output", type=Path, metavar="FILE", help="把模板写进这个文件（不写就打印出来）")
    which = stack.add_mutually_exclusive_group()
    which.add_argument("--api", action="store_true", help="生成接口栈的模板，而不是数据栈的")
    which.add_argument(
        "--ci-role",
        action="store_true",
        help="改为生成持续部署角色的模板：GitHub 的 OIDC 身份提供商和只给 main 分支用的部署角色",
    )

    deploy = commands.add_parser(
        "deploy",
        help="部署一个环境：数据栈、接口、网站",
        description="把一个环境部署到 AWS：检查内容，部署数据栈和接口栈（CloudFormation），按这个环境的地址"
        "生成网站并上传改动过的文件，刷新 CDN，最后打印网站、接口和工作人员后台的地址。\n"
        "环境的区域和域名见 stages.yaml；AWS 凭证按 boto3 的常规方式读取（环境变量、~/.aws、角色）。\n"
        "这个环境还没有管理员令牌时，由人运行会新建一个并只显示一次；在 CI 里（设了环境变量 CI）从不显示令牌。\n"
        "什么都没改时再运行一次，不会改动任何东西。",
    )
    deploy.add_argument("--stage", required=True, metavar="STAGE", help="stages.yaml 里的环境名，例如 prod")
    deploy.add_argument(
        "--quick-tests", action="store_true", help="部署前先运行测试的快速部分（不含浏览器测试），不通过就不部署"
    )

    tokens = commands.add_parser(
        "tokens",
        help="工作人员令牌：新建、列出、吊销",
        description="管理工作人员的登录令牌：create 新建，list 列出，revoke 吊销。",
    )
    actions = tokens.add_subparsers(dest="action", metavar="<操作>", required=True, parser_class=_Parser)
    create = actions.add_parser(
        "create", help="新建一个令牌", description="新建一个令牌并只显示这一次：请马上交给本人。"
    )
    _add_stage(create)
    create.add_argument("--name", default="", metavar="NAME", help="令牌持有人的姓名")
    create.add_argument(
        "--role", default="", metavar="ROLE", help="角色：admin（管理员，全部权限）或 station（只管自己的驿站）"
    )
    create.add_argument("--stations", default="", metavar="IDS", help="station 角色的驿站编号，用英文逗号隔开")
    create.add_argument("--days", type=int, default=30, metavar="DAYS", help="多少天后过期（1 到 366，默认 30）")
    _add_stage(actions.add_parser("list", help="列出所有令牌", description="列出这个环境的所有令牌。"))
    revoke = actions.add_parser("revoke", help="吊销一个令牌", description="立即吊销一个令牌。")
    _add_stage(revoke)
    revoke.add_argument("--id", default="", metavar="ID", help="令牌编号，即 tokens list 显示的第一列")
    return parser


def _add_site_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--site-dir", type=Path, metavar="DIR", help="网站生成到哪个文件夹（默认 site/）")


# What --stage names where a deployed stage is meant as well as the local one.
DEPLOYED_OR_LOCAL = (
    "环境名：stages.yaml 里部署的环境，例如 prod；或本机环境 dev（默认，见 functions/.chalice/config.json）"
)


def _add_stage(parser: argparse.ArgumentParser, stage_help: str = DEPLOYED_OR_LOCAL) -> None:
    parser.add_argument("--stage", default="dev", metavar="STAGE", help=stage_help)
    parser.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="不连 AWS 时的 DynamoDB（和 S3）地址，例如 build.py serve 的 http://127.0.0.1:8002",
    )


def parse_command_line(argv: list[str]) -> argparse.Namespace:
    """The command and its options; with no command, `build`."""
    # `python build.py` and `python build.py --site-url ...` build, as they always have.
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["build", *argv]
    return make_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_command_line(sys.argv[1:] if argv is None else list(argv))

    if args.command == "check":
        from sitegen.content import check_content

        content, problems = check_content(ROOT)
        for problem in problems:
            print(problem, file=sys.stderr)
        if content is None:
            print(f"共 {len(problems)} 处问题，请按上面的文件和行号改好，再检查一次。", file=sys.stderr)
            return 1
        counts = (
            f"{len(content.lessons)} 课，{len(content.stations)} 个驿站，{len(content.branches)} 个支部，"
            f"{len(content.activities)} 项活动"
        )
        print(f"内容没有问题：{counts}。")
        return 0

    if args.command == "build":
        from mkdocs.exceptions import Abort

        from sitegen.apicontent import CONTENT_IDS_FILE
        from sitegen.site import build_site

        try:
            site_dir = build_site(
                ROOT,
                site_url=args.site_url,
                api_url=args.api_url,
                site_dir=args.site_dir,
                content_ids_file=CONTENT_IDS_FILE,
            )
        except Abort as error:
            print(error, file=sys.stderr)
            return 1
        print(f"网站已生成到 {site_dir}")
        return 0

    if args.command == "tables":
        return make_local_tables(args)

    if args.command == "stack":
        return print_stack(args)

    if args.command == "deploy":
        return run_deploy(args)

    if args.command == "tokens":
        return run_tokens(args)

    from mkdocs.exceptions import Abort

    from sitegen.local_stack import run_local_stack

    try:
        return run_local_stack(
            host=args.host,
            site_port=args.site_port,
            api_port=args.api_port,
            db_port=args.db_port,
            site_dir=args.site_dir,
            data_dir=args.data,
            watch=args.watch,
        )
    except Abort as error:
        # Broken content: the problems, as `check` lists them, not a traceback.
        print(error, file=sys.stderr)
        return 1


def print_stack(args: argparse.Namespace) -> int:
    """`python build.py stack --stage prod [--api]`: the stage's data (or API) stack template, printed or written."""
    import tempfile

    sys.path.insert(0, str(ROOT / "functions"))
    from deploy.apistack import PackageError, package_api
    from deploy.datastack import data_stack_template, render_template
    from deploy.stages import load_stage
    from sitegen.problems import ContentError

    try:
        stage = load_stage(args.stage)
    except ContentError as error:
        print(error, file=sys.stderr)
        return 1
    if args.ci_role:
        from deploy.cirole import ci_role_template

        template, what = render_template(ci_role_template(stage)), "持续部署角色模板"
    elif args.api:
        try:
            with tempfile.TemporaryDirectory(prefix="sanwei-stack-") as out_dir:
                template = render_template(package_api(stage, Path(out_dir)).template)
        except PackageError as error:
            print(error, file=sys.stderr)
            return 1
        what = "接口栈模板"
    else:
        template, what = render_template(data_stack_template(stage)), "数据栈模板"
    if args.output is None:
        sys.stdout.write(template)
        return 0
    args.output.write_text(template, encoding="utf-8")
    print(f"环境 {stage.name} 的{what}已写到 {args.output}（区域 {stage.region}）")
    return 0


def run_deploy(args: argparse.Namespace) -> int:
    """`python build.py deploy --stage prod`: the whole stage, from content to the CDN."""
    import os

    from botocore.exceptions import ClientError, NoCredentialsError

    sys.path.insert(0, str(ROOT / "functions"))
    from deploy.deploy import DeployStopped, deploy_stage
    from deploy.stages import load_stage
    from sitegen.problems import ContentError

    try:
        stage = load_stage(args.stage)
        # CI services set CI (GitHub Actions, GitLab and most others set it to "true").
        deploy_stage(ROOT, stage, quick_tests=args.quick_tests, in_ci=bool(os.environ.get("CI")))
    except (ContentError, DeployStopped) as error:
        print(error, file=sys.stderr)
        return 1
    except NoCredentialsError:
        print(
            "找不到 AWS 凭证，没有部署。请设置 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY、"
            "AWS_PROFILE，或在 CI 里用 OIDC 角色，再运行一次。",
            file=sys.stderr,
        )
        return 1
    except ClientError as error:
        # AWS's own words (AccessDenied and the action it names), after a line saying what happened.
        print(f"AWS 拒绝了请求，部署停在这一步：\n{error}", file=sys.stderr)
        return 1
    return 0


def deployed_stage(name: str) -> Stage | None:
    """Return the stage of stages.yaml called name, or None for the local stage of functions/.chalice/config.json
    that `serve` runs; raise ContentError (in Chinese) for a name that is neither."""
    from chalicelib.tables import stage_variables

    from deploy.stages import load_stage, read_stages

    stages, _ = read_stages()
    if stages is not None and name in stages:
        return stages[name]
    try:
        stage_variables(name)
    except ValueError:
        return load_stage(name)
    return None


def make_local_tables(args: argparse.Namespace) -> int:
    """`python build.py tables`: the local stage's tables and exports bucket, on a local server."""
    sys.path.insert(0, str(ROOT / "functions"))
    from chalicelib.tables import create_stage_bucket, create_stage_tables

    from sitegen.problems import ContentError

    try:
        stage = deployed_stage(args.stage)
    except ContentError as error:
        print(error, file=sys.stderr)
        return 1
    if stage is not None:
        # A deployed stage's table and buckets are its data stack's alone: nothing else makes them.
        print(
            f"环境 {stage.name} 是 stages.yaml 里部署的环境：它的数据表和桶由数据栈管理，这里不建。"
            f"请运行 python3 build.py deploy --stage {stage.name}。build.py tables 只在本机的模拟服务器上建表。",
            file=sys.stderr,
        )
        return 1
    created = create_stage_tables(args.stage, args.endpoint_url)
    made_tables = f"新建了 {', '.join(created)}" if created else "都已存在，没有改动"
    print(f"环境 {args.stage} 的数据表：{made_tables}。")
    bucket, made = create_stage_bucket(args.stage, args.endpoint_url)
    print(f"环境 {args.stage} 的导出文件桶 {bucket}：{'已新建' if made else '已存在'}。")
    return 0


def run_tokens(args: argparse.Namespace) -> int:
    """`python build.py tokens create|list|revoke`: staff tokens in a stage's table."""
    import os

    import boto3
    from botocore.exceptions import NoCredentialsError

    sys.path.insert(0, str(ROOT / "functions"))
    from chalicelib.tables import stage_table_names
    from chalicelib.tokens import ROLE_LABELS, TokenStore, check_token_request

    from deploy.datastack import data_stack_name, deployed_table_names
    from sitegen.content import load_content
    from sitegen.problems import ContentError

    if args.endpoint_url:
        # A local server (`serve`'s) takes any credentials; never used against AWS.
        for name, value in {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}.items():
            os.environ.setdefault(name, value)
        os.environ.setdefault("AWS_DEFAULT_REGION", "cn-north-1")
    try:
        stage = deployed_stage(args.stage)
    except ContentError as error:
        print(error, file=sys.stderr)
        return 1
    if stage is None:
        dynamodb = boto3.resource("dynamodb", endpoint_url=args.endpoint_url)
        table_name = stage_table_names(args.stage)["submissions"]
    else:
        # A deployed stage's table is the one its data stack made, in the stage's region.
        session = boto3.session.Session(region_name=stage.region)
        try:
            table_names = deployed_table_names(session.client("cloudformation", endpoint_url=args.endpoint_url), stage)
        except NoCredentialsError:
            print(
                f"找不到 AWS 凭证，读不到环境 {stage.name} 的数据栈。"
                "请设置 AWS_ACCESS_KEY_ID 和 AWS_SECRET_ACCESS_KEY，或 AWS_PROFILE，再运行一次。",
                file=sys.stderr,
            )
            return 1
        if table_names is None:
            print(
                f"环境 {stage.name} 还没有数据栈 {data_stack_name(stage)}（区域 {stage.region}），也就没有数据表："
                f"请先运行 python3 build.py deploy --stage {stage.name}。",
                file=sys.stderr,
            )
            return 1
        dynamodb = session.resource("dynamodb", endpoint_url=args.endpoint_url)
        table_name = table_names["submissions"]
    tokens = TokenStore(dynamodb.Table(table_name))
    if args.action == "create":
        stations = [station.strip() for station in args.stations.split(",") if station.strip()]
        errors = check_token_request(args.name, args.role, stations, args.days)
        unknown = sorted(set(stations) - {station.id for station in load_content(ROOT).stations})
        if unknown and "stations" not in errors:
            errors["stations"] = f"stations.yaml 里没有这些驿站：{', '.join(unknown)}"
        for field, message in errors.items():
            print(f"--{field}: {message}", file=sys.stderr)
        if errors:
            return 2
        issued = tokens.create(args.name, args.role, stations, args.days)
        record = issued.record
        print(f"staff token: {issued.token}")
        print(f"编号 {record.id} · {record.name} · {ROLE_LABELS[record.role]} {','.join(record.stations)}")
        print(f"{record.expires_at} 到期。只保存了它的哈希，以后不会再显示：请现在交给本人。")
        return 0
    if args.action == "revoke":
        revoked = tokens.revoke(args.id.strip()) if args.id.strip() else None
        if revoked is None:
            print(f"--id: 没有编号为 {args.id!r} 的令牌（用 python3 build.py tokens list 查看）", file=sys.stderr)
            return 2
        print(f"已吊销 {revoked.id}（{revoked.name}），时间 {revoked.revoked_at}")
        return 0
    for record in tokens.list():
        state = f"已吊销 {record.revoked_at}" if record.revoked_at else f"{record.expires_at} 到期"
        station_ids = ",".join(record.stations) or "-"
        print(f"{record.id}  {record.name}  {ROLE_LABELS.get(record.role, record.role)}  {station_ids}  {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
