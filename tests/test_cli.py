"""build.py's command line: each command with its own help, in Chinese; the lines it prints
for people in Chinese, without the word splitter's start-up chatter; README's commands still work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from build import parse_command_line
from sitegen.site import ROOT
from tests.test_build import copy_project

# The word splitter's own start-up lines (jieba), which nobody running the site needs.
WORD_SPLITTER_LINES = ("Building prefix dict", "Loading model", "Prefix dict has been built", "Dumping model")


def run_build_py(*args: str, cwd=ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "build.py", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize(
    ("command", "own", "others"),
    [
        (
            ["serve"],
            ["--site-port", "--api-port", "--db-port", "--host", "--site-dir", "Ctrl-C"],
            ["--role", "--stage"],
        ),
        (["build"], ["--site-url", "--api-url", "--site-dir"], ["--site-port", "--role"]),
        (["check"], ["文件:行号"], ["--site-port", "--site-url", "--stage"]),
        (["tables"], ["--stage", "--endpoint-url"], ["--site-port", "--role", "--name"]),
        (
            ["stack"],
            ["--stage", "--output", "--api", "--ci-role", "stages.yaml"],
            ["--endpoint-url", "--site-port", "--role"],
        ),
        (["deploy"], ["--stage", "--quick-tests", "stages.yaml", "CI"], ["--endpoint-url", "--site-url", "--role"]),
        (["tokens", "create"], ["--name", "--role", "--stations", "--days", "--stage"], ["--site-port", "--id"]),
        (["tokens", "revoke"], ["--id", "--stage"], ["--role", "--site-port"]),
        (["tokens", "list"], ["--stage", "--endpoint-url"], ["--id", "--role"]),
    ],
)
def test_each_command_has_its_own_help_in_chinese(command, own, others):
    result = run_build_py(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"用法：build.py {' '.join(command)} ")
    assert "显示这段说明，然后退出" in result.stdout
    assert "show this help" not in result.stdout
    for option in own:
        assert option in result.stdout
    for option in others:
        assert option not in result.stdout


def test_the_top_help_lists_every_command_in_chinese():
    result = run_build_py("--help")
    assert result.returncode == 0
    for command, words in [
        ("build", "生成网站"),
        ("check", "检查"),
        ("serve", "本机"),
        ("tables", "数据表"),
        ("stack", "数据栈模板"),
        ("deploy", "部署"),
        ("tokens", "令牌"),
    ]:
        line = next(line for line in result.stdout.splitlines() if line.strip().startswith(command + " "))
        assert words in line
    assert "--site-port" not in result.stdout


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], {"command": "build", "site_url": None}),
        (
            ["--site-url", "https://example.org/sanwei/", "--api-url", "https://api.example.org/api/"],
            {"command": "build", "site_url": "https://example.org/sanwei/", "api_url": "https://api.example.org/api/"},
        ),
        (
            ["build", "--site-dir", "out"],
            {"command": "build", "site_dir": Path("out")},
        ),
        (["check"], {"command": "check"}),
        (["serve"], {"command": "serve", "host": "127.0.0.1", "site_port": 8000, "api_port": 8001, "db_port": 8002}),
        (
            ["serve", "--site-port", "8500", "--api-port", "8501", "--db-port", "8502", "--host", "0.0.0.0"],
            {"site_port": 8500, "api_port": 8501, "db_port": 8502, "host": "0.0.0.0"},
        ),
        (
            ["tables", "--stage", "dev", "--endpoint-url", "http://127.0.0.1:8002"],
            {"command": "tables", "stage": "dev", "endpoint_url": "http://127.0.0.1:8002"},
        ),
        (
            ["tokens", "create", "--stage", "prod", "--name", "张三", "--role", "admin", "--days", "30"],
            {"action": "create", "stage": "prod", "name": "张三", "role": "admin", "days": 30, "stations": ""},
        ),
        (
            [
                "tokens",
                "create",
                "--stage",
                "prod",
                "--name",
                "李四",
                "--role",
                "station",
                "--stations",
                "hongqi-first-street,caogou-bank",
                "--endpoint-url",
                "http://127.0.0.1:8002",
            ],
            {"stations": "hongqi-first-street,caogou-bank", "endpoint_url": "http://127.0.0.1:8002"},
        ),
        (["tokens", "list", "--stage", "prod"], {"command": "tokens", "action": "list", "stage": "prod"}),
        (["stack", "--stage", "prod"], {"command": "stack", "stage": "prod", "output": None, "api": False}),
        (["stack", "--stage", "prod", "--api"], {"command": "stack", "stage": "prod", "api": True}),
        (["deploy", "--stage", "prod"], {"command": "deploy", "stage": "prod", "quick_tests": False}),
        (["deploy", "--stage", "prod", "--quick-tests"], {"quick_tests": True}),
        (["tokens", "revoke", "--stage", "prod", "--id", "3f9a0c1b2d4e"], {"action": "revoke", "id": "3f9a0c1b2d4e"}),
    ],
)
def test_readme_command_lines_still_mean_what_they_did(argv, expected):
    args = vars(parse_command_line(argv))
    assert {key: args[key] for key in expected} == expected


@pytest.mark.parametrize(
    "argv", [["serve", "--site-port", "x"], ["tokens"], ["serve", "--role", "admin"], ["stack"], ["deploy"]]
)
def test_a_wrong_command_line_is_refused_in_chinese(argv):
    result = run_build_py(*argv)
    assert result.returncode == 2
    assert "命令写得不对" in result.stderr and "--help 查看写法" in result.stderr


def test_build_prints_where_the_site_is_in_chinese_and_nothing_else(tmp_path):
    root = copy_project(tmp_path)
    result = run_build_py("--site-dir", str(tmp_path / "out"), cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"网站已生成到 {tmp_path / 'out'}\n"
    assert not any(line in result.stderr for line in WORD_SPLITTER_LINES), result.stderr


def test_serve_prints_its_addresses_in_chinese_and_no_word_splitter_lines(stack):
    printed = "".join(stack["output"])
    assert not any(line in printed for line in WORD_SPLITTER_LINES), printed
    lines = printed.splitlines()
    token_line = next(index for index, line in enumerate(lines) if line.startswith("staff token: "))
    shown = lines[token_line - 4 : token_line + 2]
    assert [line.split("：")[0].strip() for line in shown[:4]] == ["网站", "表单接口", "数据库", "工作人员"]
    assert stack["site"] in shown[0] and stack["api"] in shown[1] and stack["db"] in shown[2]
    assert shown[-1] == "按 Ctrl-C 停止。"


def test_check_reports_a_full_width_colon_at_its_own_line_in_chinese(tmp_path):
    text = (ROOT / "stations.yaml").read_text(encoding="utf-8")
    line = next(number for number, row in enumerate(text.splitlines(), 1) if row.startswith("stations:"))
    root = copy_project(tmp_path, stations_yaml=text.replace("stations:", "stations：", 1))
    result = run_build_py("check", cwd=root)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"stations.yaml:{line}: 字段名后面用了中文冒号“：”：请改用英文冒号加一个空格，写成 'stations:'",
        "共 1 处问题，请按上面的文件和行号改好，再检查一次。",
    ]
