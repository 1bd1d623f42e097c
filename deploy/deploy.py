"""`build.py deploy --stage NAME`: check the content, deploy the data stack, the API and the site.

Each step prints one short line in Chinese; a step that fails raises DeployStopped, whose
message says what to do, and nothing after it runs. All the deploy knows between runs it
reads back from CloudFormation (stack outputs) and S3 (the package's and the files' hashes),
so a deploy from any checkout or from CI continues where the last one left off, and a
deploy with nothing changed changes nothing. Region and credentials come from boto3's usual
chain, the region from stages.yaml; AWS_ENDPOINT_URL points every client at an emulator.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import WaiterError
from chalicelib.tokens import TokenStore

from deploy.apistack import PackageError, api_stack_name, package_api
from deploy.artifacts import remove_other_packages, upload_package, with_code_in_bucket
from deploy.cdn import EVERYTHING, invalidate
from deploy.cloudformation import apply_stack, stack_failures, stack_outputs
from deploy.datastack import data_stack_name, data_stack_parameters, data_stack_template, render_template
from deploy.firsttoken import make_first_admin_token
from deploy.stages import Stage
from deploy.upload import upload_site
from sitegen.apicontent import hand_over_content_ids
from sitegen.content import Content, check_content
from sitegen.site import build_site

# The tests' quick subset: no browser, no budgets, each storage test once (on moto, not also
# on dynalite), and not the deploy's own three deploys into the emulator: the real one follows.
# Content, forms, the API's routes, storage, the stacks' templates and the upload.
QUICK_TESTS = ("-m", "not browser and not budget", "-k", "not dynalite and not test_deploy")
# The API's stack makes a role (IAM) and is a SAM template (a transform CloudFormation expands).
API_CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND")
_DONE = {"created": "已新建", "updated": "已更新", "unchanged": "没有变化"}


class DeployStopped(Exception):
    """A step of the deploy failed; the message, in Chinese, says which, why and what to do."""


@dataclass(frozen=True)
class Deployed:
    """Where a deployed stage is reached."""

    site_url: str
    api_url: str

    @property
    def console_url(self) -> str:
        """The staff console's address."""
        return f"{self.site_url}staff/"


def deploy_stage(
    root: Path, stage: Stage, *, quick_tests: bool = False, in_ci: bool = False, say: Callable[[str], None] = print
) -> Deployed:
    """Deploy the content under root to the stage; return its addresses."""
    import boto3

    started = time.monotonic()
    content = check(root, say)
    if quick_tests:
        run_quick_tests(root, say)
    session = boto3.session.Session(region_name=stage.region)
    cloudformation = session.client("cloudformation")
    s3 = session.client("s3")

    say(f"部署数据栈 {data_stack_name(stage)}（区域 {stage.region}）……")
    template = render_template(data_stack_template(stage))
    data = deploy_stack(cloudformation, data_stack_name(stage), template, data_stack_parameters(stage), say)

    # The API checks submissions against the ids of the stations and lessons, from a file in its
    # package; the site is built against the API's address, which only the API's stack knows. So
    # the ids are written from the content checked above (the same bytes the site build writes)
    # and packaged first, and the site is built once, after the API is deployed.
    with tempfile.TemporaryDirectory(prefix="sanwei-deploy-") as work:
        content_ids_file = Path(work) / "content-ids.json"
        hand_over_content_ids(content, content_ids_file)
        say("打包接口……")
        try:
            package = package_api(stage, Path(work) / "package", content_ids_file)
        except PackageError as error:
            raise DeployStopped(str(error)) from error
        bucket = data["ArtifactsBucketName"]
        key, uploaded = upload_package(s3, bucket, package.zip_path)
        size = package.zip_path.stat().st_size
        say(f"接口部署包 {size / 1e6:.1f} MB：{'已上传到' if uploaded else '没有变化，已在'} s3://{bucket}/{key}")
        say(f"部署接口栈 {api_stack_name(stage)}……")
        api = deploy_api_stack(
            cloudformation, api_stack_name(stage), with_code_in_bucket(package.template, bucket, key), say
        )
        remove_other_packages(s3, bucket, keep=key)

        deployed = Deployed(site_url_of(stage, api["SiteDomainName"]), api["EndpointURL"])
        say(f"生成网站（网站地址 {deployed.site_url}，接口地址 {deployed.api_url}）……")
        site_dir = build_site(root, site_url=deployed.site_url, api_url=deployed.api_url, site_dir=Path(work) / "site")
        say("上传网站文件……")
        uploaded_site = upload_site(s3, data["SiteBucketName"], site_dir)
    say(uploaded_site.summary())
    invalidation = invalidate(session.client("cloudfront"), api["SiteDistributionId"], uploaded_site.invalidation_paths)
    if invalidation is None:
        say("CDN 不用刷新：没有文件变化。")
    else:
        invalidation_id, paths = invalidation
        what = "全部文件（/*）" if paths == [EVERYTHING] else f"{len(paths)} 个路径"
        say(f"CDN 刷新了{what}，编号 {invalidation_id}，几分钟内生效。")

    first_admin_token(session, data["SubmissionsTableName"], stage, deployed, in_ci, say)
    say(f"部署完成，用时 {time.monotonic() - started:.0f} 秒。")
    say(f"网站：{deployed.site_url}")
    say(f"接口：{deployed.api_url}")
    say(f"工作人员后台：{deployed.console_url}")
    return deployed


def check(root: Path, say: Callable[[str], None]) -> Content:
    """Check lessons/ and stations.yaml as `build.py check` does; stop on any problem."""
    say("检查内容……")
    content, problems = check_content(root)
    if content is None:
        lines = [str(problem) for problem in problems]
        raise DeployStopped(
            "\n".join([*lines, f"共 {len(problems)} 处问题，没有部署。请按上面的文件和行号改好，再部署。"])
        )
    say(f"内容没有问题：{len(content.lessons)} 课，{len(content.stations)} 个驿站。")
    return content


def run_quick_tests(root: Path, say: Callable[[str], None]) -> None:
    """Run the tests' quick subset (QUICK_TESTS) in root; stop if any fails."""
    say(f"运行快速测试（pytest {' '.join(QUICK_TESTS)}）……")
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *QUICK_TESTS]
    if subprocess.run(command, cwd=root, check=False).returncode != 0:
        raise DeployStopped("快速测试没有通过（见上面的输出），没有部署。")


def deploy_stack(
    cloudformation, name: str, template: str, parameters: list[dict[str, str]], say: Callable[[str], None]
) -> dict[str, str]:
    """Create or update a stack and return its outputs; stop with AWS's reasons if it rolls back."""
    return _apply(cloudformation, name, say, lambda: apply_stack(cloudformation, name, template, parameters))


def deploy_api_stack(cloudformation, name: str, template: dict, say: Callable[[str], None]) -> dict[str, str]:
    """Create or update the API's stack (a SAM template) and return its outputs."""
    body = render_template(template)
    return _apply(cloudformation, name, say, lambda: apply_stack(cloudformation, name, body, [], API_CAPABILITIES))


def site_url_of(stage: Stage, distribution_domain: str) -> str:
    """The site's address: the stage's own domain, or the CDN's when it has none."""
    return f"https://{stage.site_domain or distribution_domain}/"


def first_admin_token(
    session, table_name: str, stage: Stage, deployed: Deployed, in_ci: bool, say: Callable[[str], None]
) -> None:
    """Run by a person on a stage no admin can open yet: make an admin token and print it once.

    CI never looks at the tokens: its logs are read by many and kept for months (a token made
    there is a secret to leak), and its role may not read the table."""
    if in_ci:
        say(
            "在 CI 里运行：不查看、也不新建管理员令牌。环境还没有管理员令牌时，"
            f"请在自己的电脑上运行一次 python3 build.py deploy --stage {stage.name}，它会新建一个并只显示一次。"
        )
        return
    issued = make_first_admin_token(TokenStore(session.resource("dynamodb").Table(table_name)))
    if issued is None:
        return
    say(f"这个环境还没有管理员令牌，已新建一个（{issued.record.expires_at} 到期）：")
    say(f"staff token: {issued.token}")
    say(
        "⚠ 它只显示这一次，系统只保存了哈希：请马上存进密码管理器。"
        f"用它登录 {deployed.console_url}，再在后台为自己和同事各建一个令牌。"
    )


def _apply(cloudformation, name: str, say: Callable[[str], None], apply: Callable[[], str]) -> dict[str, str]:
    try:
        done = apply()
    except WaiterError as error:
        status = error.last_response.get("Stacks", [{}])[0].get("StackStatus", "")
        lines = [f"栈 {name} 部署失败，CloudFormation 已回滚（{status}）。出错的资源和 AWS 给的原因："]
        lines += [
            f"  {failure.logical_id}（{failure.resource_type}，{failure.status}）：{failure.reason}"
            for failure in stack_failures(cloudformation, name)
        ]
        raise DeployStopped("\n".join(lines)) from error
    say(f"栈 {name}：{_DONE[done]}。")
    return stack_outputs(cloudformation, name)
