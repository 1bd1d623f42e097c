"""stages.yaml: every stage's settings are read once, and every mistake is named by line and field."""

from __future__ import annotations

import textwrap

import pytest

from deploy.stages import STAGES_FILE, Stage, load_stage, read_stages
from sitegen.problems import ContentError

GOOD = """\
stages:
  prod:
    region: cn-north-1
    site_domain: sanwei.example.cn
    alarm_email: it@example.cn
    throttle_rate: 50
    throttle_burst: 100
    certificate: ASCAEXAMPLE0000000000
  trial:
    region: eu-west-1
    throttle_rate: 2.5
    throttle_burst: 5
"""


def write(tmp_path, text: str):
    path = tmp_path / "stages.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_repositorys_own_stages_file_is_valid():
    stages, problems = read_stages(STAGES_FILE)
    assert problems == []
    assert "prod" in stages


def test_stages_are_read_with_their_optional_fields(tmp_path):
    stages, problems = read_stages(write(tmp_path, GOOD))
    assert problems == []
    assert stages == {
        "prod": Stage("prod", "cn-north-1", "sanwei.example.cn", "it@example.cn", 50.0, 100, "ASCAEXAMPLE0000000000"),
        "trial": Stage("trial", "eu-west-1", None, None, 2.5, 5),
    }


@pytest.mark.parametrize(
    ("line", "replacement", "expected_line", "expected"),
    [
        ("    region: cn-north-1", "    region: cn-north1", 3, "是不是想写 'cn-north-1'"),
        ("    region: cn-north-1", "    region: 北京", 3, "region 要写 AWS 的区域代码"),
        ("    site_domain: sanwei.example.cn", "    site_domain: https://sanwei.example.cn/", 4, "不写 https://"),
        ("    site_domain: sanwei.example.cn", "    site_domain: Sanwei.Example.cn", 4, "site_domain 要写域名"),
        ("    alarm_email: it@example.cn", "    alarm_email: it＠example", 5, "alarm_email 要写电子邮件地址"),
        ("    throttle_rate: 50", "    throttle_rate: 0", 6, "throttle_rate 要写每秒请求数"),
        ("    throttle_rate: 50", "    throttle_rate: fast", 6, "文字（'fast'）"),
        ("    throttle_burst: 100", "    throttle_burst: 10.5", 7, "throttle_burst 要写一个整数"),
        ("    throttle_burst: 100", "    throttle_burst: 9000", 7, "1 到 5000"),
        ("  prod:", "  Prod:", 2, "环境名 'Prod' 不能用"),
        ("    site_domain: sanwei.example.cn", "    site_domain:", 3, "ICP 备案"),
        ("    site_domain: sanwei.example.cn", "", 3, "ICP 备案"),
    ],
)
def test_a_mistake_is_named_at_its_line(tmp_path, line, replacement, expected_line, expected):
    assert line in GOOD
    stages, problems = read_stages(write(tmp_path, GOOD.replace(line, replacement, 1)))
    assert stages is None
    assert [(problem.path, problem.line) for problem in problems] == [("stages.yaml", expected_line)], problems
    assert expected in problems[0].message


ACM_ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


@pytest.mark.parametrize(
    ("prod", "trial", "expected_line", "expected"),
    [
        # China's CloudFront takes an IAM server certificate, not ACM's.
        ({"certificate": ACM_ARN}, {}, 8, "上传到 IAM 的服务器证书的 ID"),
        ({"certificate": "ASCAEXAMPLE"}, {}, 8, "ASCA 开头、21 位"),
        # Elsewhere it takes ACM's, from us-east-1 only.
        ({}, {"site_domain": "trial.example.org", "certificate": "ASCAEXAMPLE0000000000"}, 14, "ACM 证书的 ARN"),
        ({}, {"site_domain": "trial.example.org", "certificate": ACM_ARN.replace("us-east-1", "eu-west-1")}, 14, "ACM"),
        ({}, {"site_domain": "trial.example.org"}, 10, "写了 site_domain 就要写 certificate"),
        ({}, {"certificate": ACM_ARN}, 13, "certificate 只和 site_domain 一起写"),
    ],
)
def test_the_certificate_is_the_kind_the_regions_cdn_takes(tmp_path, prod, trial, expected_line, expected):
    import yaml

    # GOOD with the fields changed in place and new ones last: prod's certificate on line 8,
    # trial's fields from line 10, anything added from line 13.
    data = yaml.safe_load(GOOD)
    data["stages"]["prod"].update(prod)
    data["stages"]["trial"].update(trial)
    stages, problems = read_stages(write(tmp_path, yaml.safe_dump(data, sort_keys=False)))
    assert stages is None
    assert [(problem.line, expected in problem.message) for problem in problems] == [(expected_line, True)], problems


def test_a_global_stage_with_its_own_domain_keeps_its_acm_certificate(tmp_path):
    text = GOOD + f"    site_domain: trial.example.org\n    certificate: {ACM_ARN}\n"
    stages, problems = read_stages(write(tmp_path, text))
    assert problems == []
    assert stages["trial"].certificate == ACM_ARN


def test_a_misspelt_field_is_named_with_the_right_spelling(tmp_path):
    _, problems = read_stages(write(tmp_path, GOOD.replace("throttle_burst: 100", "throttle_brust: 100")))
    assert [str(problem) for problem in problems] == [
        "stages.yaml:7: 没有 'throttle_brust' 这个字段（是不是想写 'throttle_burst'？）",
        "stages.yaml:3: 环境 'prod' 缺少必填字段 'throttle_burst'：请补上 'throttle_burst: ...'",
    ]


def test_a_missing_required_field_is_named(tmp_path):
    _, problems = read_stages(write(tmp_path, GOOD.replace("    throttle_rate: 2.5\n", "")))
    assert [str(problem) for problem in problems] == [
        "stages.yaml:10: 环境 'trial' 缺少必填字段 'throttle_rate'：请补上 'throttle_rate: ...'"
    ]


def test_every_problem_is_listed_at_once(tmp_path):
    text = GOOD.replace("cn-north-1", "mars-1").replace("throttle_burst: 5", "throttle_burst: -5")
    _, problems = read_stages(write(tmp_path, text))
    assert [problem.line for problem in problems] == [3, 12]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "stages.yaml:1: 文件要以 'stages:' 一行开头"),
        ("stages: []\n", "stages.yaml:1: 文件要以 'stages:' 一行开头"),
        ("stages:\n  prod:\n    region: [cn-north-1\n", "stages.yaml:3:"),
        ("stages:\n  prod: cn-north-1\n", "stages.yaml:2: 环境 'prod' 下面要缩进写它的字段"),
    ],
)
def test_a_broken_file_is_named_at_its_line(tmp_path, text, expected):
    stages, problems = read_stages(write(tmp_path, text))
    assert stages is None
    assert str(problems[0]).startswith(expected), problems


def test_an_unknown_stage_is_refused_with_the_known_ones(tmp_path):
    with pytest.raises(ContentError) as error:
        load_stage("prd", write(tmp_path, GOOD))
    assert str(error.value) == "stages.yaml:1: 没有名为 'prd' 的环境（是不是想写 'prod'？）；这个文件里有：prod、trial"


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ContentError, match=r"stages\.yaml:1: 找不到这个文件"):
        load_stage("prod", tmp_path / "stages.yaml")
