"""Read and validate stages.yaml: each stage's region, site domain, alarm e-mail and API throttling."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sitegen.problems import (
    ContentError,
    FileReport,
    Problem,
    did_you_mean,
    full_width_hint,
    is_integer,
    is_number,
    kind_of,
    read_yaml_file,
)

STAGES_FILE = Path(__file__).resolve().parents[1] / "stages.yaml"
STAGE_FIELDS = ("region", "site_domain", "certificate", "alarm_email", "throttle_rate", "throttle_burst")
REQUIRED_FIELDS = ("region", "throttle_rate", "throttle_burst")
# A stage's name goes into its stacks' names, and through them into bucket names: lowercase only.
STAGE_NAME = re.compile(r"[a-z](?:[a-z0-9-]{0,18}[a-z0-9])?")
DOMAIN = re.compile(r"(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# The site's certificate, as CloudFront takes it: outside China an ACM certificate, which
# CloudFront reads only from us-east-1; in the China regions, which have no ACM for CloudFront,
# the ID of a server certificate uploaded to IAM (under the path /cloudfront/).
ACM_CERTIFICATE = re.compile(r"arn:aws:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}")
IAM_CERTIFICATE_ID = re.compile(r"ASCA[A-Z0-9]{17}")
# API Gateway's default account-wide limits in a region: a stage cannot take more than these.
MAX_THROTTLE_RATE = 10_000
MAX_THROTTLE_BURST = 5_000
# In the AWS China regions CloudFront serves a site only under its own ICP-filed domain.
CHINA_PARTITION = "aws-cn"


@dataclass(frozen=True)
class Stage:
    """One stage of Sanwei on AWS, as stages.yaml declares it."""

    name: str
    region: str
    # None: the site is served at the CDN's own address.
    site_domain: str | None
    alarm_email: str | None
    throttle_rate: float
    throttle_burst: int
    # The site_domain's certificate (ACM_CERTIFICATE, or IAM_CERTIFICATE_ID in China); None
    # exactly when site_domain is.
    certificate: str | None = None


def load_stage(name: str, path: Path = STAGES_FILE) -> Stage:
    """Return the stage called `name`, or raise ContentError listing every problem of the file."""
    stages, problems = read_stages(path)
    if stages is None:
        raise ContentError(problems)
    if name not in stages:
        known = "、".join(stages) or "（一个也没有）"
        hint = did_you_mean(name, stages)
        raise ContentError([Problem(path.name, 1, f"没有名为 '{name}' 的环境{hint}；这个文件里有：{known}")])
    return stages[name]


def read_stages(path: Path = STAGES_FILE) -> tuple[dict[str, Stage] | None, list[Problem]]:
    """Load stages.yaml; return {name: Stage} (None if anything is wrong) and every problem found."""
    report = FileReport(path.name)
    missing = "找不到这个文件：部署需要项目根目录下的 stages.yaml，写明每个环境的区域等设置"
    parsed, data = read_yaml_file(path, report, missing)
    if not parsed:
        return None, report.problems
    if not isinstance(data, dict) or not isinstance(data.get("stages"), dict) or not data["stages"]:
        report.at_line(1, "文件要以 'stages:' 一行开头，下面每个环境一段，例如 '  prod:' 再缩进写 region 等字段")
        return None, report.problems
    report.check_keys(data, ["stages"], [], "")
    stages = {}
    for name, fields in data["stages"].items():
        stage = _read_stage(report, data["stages"], name, fields)
        if stage is not None:
            stages[stage.name] = stage
    if report.problems:
        return None, report.problems
    return stages, []


def _read_stage(report: FileReport, stages: dict, name: object, fields: object) -> Stage | None:
    before = len(report.problems)
    if not isinstance(name, str) or not STAGE_NAME.fullmatch(name):
        report.at_key(
            stages,
            name,
            f"环境名 '{name}' 不能用：只能用小写英文字母、数字和连字符 -，以字母开头，最长 20 个字符"
            f"{full_width_hint(name)}",
        )
    if not isinstance(fields, dict):
        report.at_key(stages, name, f"环境 '{name}' 下面要缩进写它的字段（region 等），现在是{kind_of(fields)}")
        return None
    report.check_keys(fields, STAGE_FIELDS, REQUIRED_FIELDS, f"环境 '{name}' ")
    region = _check_region(report, fields)
    site_domain = _check_optional(
        report,
        fields,
        "site_domain",
        DOMAIN,
        "域名，例如 sanwei.example.cn（不写 https:// 和路径；中文域名写成 xn-- 开头的形式）",
    )
    alarm_email = _check_optional(report, fields, "alarm_email", EMAIL, "电子邮件地址，例如 it@example.cn")
    certificate = _check_certificate(report, fields, region)
    if region and fields.get("site_domain") is None and partition(region) == CHINA_PARTITION:
        report.at_node(
            fields,
            f"环境 '{name}' 在中国区域（{region}），那里的 CloudFront 不能用它自带的地址提供网站："
            "请写 site_domain，一个已经 ICP 备案的域名",
        )
    rate = _check_limit(report, fields, "throttle_rate", is_number, MAX_THROTTLE_RATE, "每秒请求数，大于 0、不超过")
    burst = _check_limit(report, fields, "throttle_burst", is_integer, MAX_THROTTLE_BURST, "一个整数，1 到")
    if len(report.problems) > before or region is None or rate is None or burst is None:
        return None
    return Stage(str(name), region, site_domain, alarm_email, float(rate), int(burst), certificate)


def _check_certificate(report: FileReport, fields: dict, region: str | None) -> str | None:
    # Without a region the kind of certificate is unknown; the region's own problem is reported.
    if region is None:
        return None
    china = partition(region) == CHINA_PARTITION
    value = fields.get("certificate")
    if fields.get("site_domain") is None:
        # In China the missing site_domain is the problem, and it is reported as such.
        if value is not None and not china:
            report.at_value(
                fields, "certificate", "certificate 只和 site_domain 一起写：没有自己的域名时，CDN 用它自带的地址和证书"
            )
        return None
    if value is None:
        what = "上传到 IAM 的服务器证书的 ID（ASCA 开头，21 位）" if china else "us-east-1 区域 ACM 证书的 ARN"
        report.at_node(fields, f"写了 site_domain 就要写 certificate：这个域名的 HTTPS 证书，{what}")
        return None
    if china and isinstance(value, str) and IAM_CERTIFICATE_ID.fullmatch(value):
        return value
    if not china and isinstance(value, str) and ACM_CERTIFICATE.fullmatch(value):
        return value
    what = (
        "上传到 IAM 的服务器证书的 ID，ASCA 开头、21 位大写字母和数字（中国区域的 CDN 不能用 ACM 证书）"
        if china
        else "us-east-1 区域 ACM 证书的 ARN，例如 arn:aws:acm:us-east-1:123456789012:certificate/…"
        "（CDN 只认 us-east-1 的证书）"
    )
    report.at_value(fields, "certificate", f"certificate 要写{what}；现在是{kind_of(value)}{full_width_hint(value)}")
    return None


def _check_limit(
    report: FileReport, fields: dict, key: str, is_kind: Callable[[object], bool], most: int, what: str
) -> Any:
    # A missing one is reported by check_keys, as every required field is.
    if key not in fields:
        return None
    value: Any = fields[key]
    if is_kind(value) and 0 < value <= most:
        return value
    report.at_value(fields, key, f"{key} 要写{what} {most}，现在是{kind_of(value)}")
    return None


def _check_region(report: FileReport, fields: dict) -> str | None:
    if "region" not in fields:
        return None
    region = fields["region"]
    if isinstance(region, str) and region in _known_regions():
        return region
    hint = full_width_hint(region) or did_you_mean(region, _known_regions())
    report.at_value(
        fields, "region", f"region 要写 AWS 的区域代码，例如 cn-north-1；现在是{kind_of(region)}，不是已知的区域{hint}"
    )
    return None


def _check_optional(report: FileReport, fields: dict, key: str, pattern: re.Pattern, what: str) -> str | None:
    value = fields.get(key)
    if value is None:
        return None
    if isinstance(value, str) and pattern.fullmatch(value):
        return value
    report.at_value(fields, key, f"{key} 要写{what}；现在是{kind_of(value)}{full_width_hint(value)}")
    return None


@cache
def _known_regions() -> frozenset[str]:
    # botocore's endpoint data lists every region of every partition where CloudFormation runs.
    import boto3

    session = boto3.session.Session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("cloudformation", partition_name=partition)
    )


@cache
def partition(region: str) -> str:
    """Return the AWS partition of a region: aws-cn for the China regions, aws elsewhere."""
    import boto3

    return boto3.session.Session().get_partition_for_region(region)
