"""`build.py serve` as an editor uses it: a saved edit reaches the open page by itself, a broken
edit shows on the page and in the terminal while the last good site stays up, and the local
data (tables, exports, staff token) survive every rebuild and, with --data, a restart.

One `serve` for the module, on a copy of the project so the tests can edit its content, with a
data folder; the last test stops and starts it."""

from __future__ import annotations

import contextlib
import functools
import re
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from conftest import post_to_stack, run_serve, stack_table, stage_environment

from sitegen.site import build_site
from tests.test_build import copy_project

pytestmark = pytest.mark.browser

LESSON = "lessons/using-stations.md"
LESSON_PAGE = "lessons/using-stations/"


def wait_until(condition, seconds: float = 60):
    """Return condition()'s first true value, asking again until `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.1)
    return value


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def served_page(serve) -> str:
    """The lesson's page as served, without the reload script `serve` adds (it names the problems)."""
    status, html = get(serve["site"] + LESSON_PAGE)
    assert status == 200
    script = re.compile(r"<script data-version=.*?</script>", re.DOTALL)
    assert len(script.findall(html)) == 1
    return script.sub("", html)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("project"))


class Serving:
    """The module's `serve`, with a data folder; a test may stop it and start it again."""

    def __init__(self, project: Path, data: Path) -> None:
        self._start = functools.partial(run_serve, project, "--data", str(data))
        self._running = contextlib.ExitStack()
        self.now = self._running.enter_context(self._start())

    def restart(self) -> dict:
        self._running.close()
        self.now = self._running.enter_context(self._start())
        return self.now


@pytest.fixture(scope="module")
def serving(project, tmp_path_factory):
    running = Serving(project, tmp_path_factory.mktemp("data"))
    yield running
    running._running.close()


@pytest.fixture
def serve(serving) -> dict:
    """The running `serve`'s addresses, staff token and output."""
    return serving.now


def edit(project: Path, name: str, old: str, new: str) -> None:
    path = project / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_saved_lesson_reaches_the_open_page_by_itself(project, serve, phone):
    phone.goto(serve["site"] + LESSON_PAGE)
    # Gone once the page has loaded again.
    phone.evaluate("window.notReloadedYet = true")

    edit(project, LESSON, "## 驿站是什么", "## 驿站是什么\n\n驿站里新添了一台饮水机。")

    phone.get_by_text("驿站里新添了一台饮水机。").wait_for(timeout=60_000)
    assert phone.evaluate("window.notReloadedYet") is None
    assert "驿站里新添了一台饮水机。" in get(serve["site"] + LESSON_PAGE)[1]


def test_a_saved_branches_yaml_reaches_the_open_branches_list(project, serve, phone):
    phone.goto(serve["site"] + "branches/")
    edit(project, "branches.yaml", "每月 10 日 19:00 主题党日", "每月 12 日 19:00 主题党日")
    phone.get_by_text("组织生活：每月 12 日 19:00 主题党日").wait_for(timeout=60_000)


def test_a_change_of_words_renders_the_page_alone_exactly_as_a_full_build(project, serve, tmp_path):
    edit(project, LESSON, "## 驿站是什么", "## 驿站是什么\n\n驿站的门口有一块红色的牌子。")
    wait_until(lambda: "驿站的门口有一块红色的牌子。" in served_page(serve))

    # Only the lesson's page was rendered again, not the whole site.
    assert any(line.startswith("课程页面已更新") for line in serve["output"])
    built = build_site(project, site_url=serve["site"], api_url=serve["api"], site_dir=tmp_path / "site")
    assert served_page(serve) == (built / LESSON_PAGE / "index.html").read_text(encoding="utf-8")


def test_a_broken_edit_shows_on_the_open_page_and_the_last_good_site_stays(project, serve, phone):
    phone.goto(serve["site"] + LESSON_PAGE)
    before = served_page(serve)
    problem = f"{LESSON}:4: "

    edit(project, LESSON, "minutes: 3", "minutes: [3")

    banner = phone.get_by_role("alert").filter(has_text=problem)
    banner.wait_for(timeout=60_000)
    assert "网站没有更新" in banner.text_content()
    wait_until(lambda: any(problem in line for line in serve["output"]))
    # The last good build is still what is served.
    assert served_page(serve) == before

    edit(project, LESSON, "minutes: [3", "minutes: 4")

    phone.get_by_text("约 4 分钟").wait_for(timeout=60_000)
    assert phone.get_by_role("alert").count() == 0


def test_while_stations_yaml_is_broken_a_lesson_edit_keeps_the_problem_shown(project, serve, phone):
    phone.goto(serve["site"] + LESSON_PAGE)

    def reports() -> int:
        return sum("网站没有更新" in line for line in serve["output"])

    reported = reports()

    edit(project, "stations.yaml", "stations:", "stations：")

    banner = phone.get_by_role("alert").filter(has_text="stations.yaml:")
    banner.wait_for(timeout=60_000)
    edit(project, LESSON, "## 驿站是什么", "## 驿站是什么\n\n驿站里有急救药箱。")
    # Built again, and refused again: the lesson's words alone do not make the content whole.
    wait_until(lambda: reports() == reported + 2)
    assert banner.is_visible()
    assert "驿站里有急救药箱。" not in served_page(serve)

    edit(project, "stations.yaml", "stations：", "stations:")

    phone.get_by_text("驿站里有急救药箱。").wait_for(timeout=60_000)
    assert phone.get_by_role("alert").count() == 0


def test_the_tables_and_the_staff_token_survive_a_rebuild(project, serve):
    checkin = post_to_stack(serve, "checkins", {"station": "hongqi-first-street"})

    # A new lesson: the API accepts it once the site is rebuilt.
    (project / "lessons" / "new-lesson.md").write_text("---\ntitle: 新的一课\n---\n\n正文。\n", encoding="utf-8")
    wait_until(lambda: get(serve["site"] + "lessons/new-lesson/")[0] == 200)
    study = post_to_stack(serve, "study", {"lesson": "new-lesson"})

    table = stack_table(serve)
    assert table.get_item(Key={"pk": f"sub#{checkin['id']}"})["Item"]["form"] == "checkin"
    assert table.get_item(Key={"pk": f"sub#{study['id']}"})["Item"]["data"]["lesson"] == "new-lesson"
    request = urllib.request.Request(serve["api"] + "staff/me", headers={"Authorization": f"Bearer {serve['token']}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


def test_with_a_data_folder_what_was_stored_is_there_after_a_restart(serving):
    before = serving.now
    mobile = "139" + str(uuid.uuid4().int)[:8]
    registration = {
        "name": "重启后还在",
        "mobile": mobile,
        "home_org": "丁湖镇某村党支部",
        "employer": "某外卖平台泗县站",
        "work_area": "泗县县城",
        "job_type": "food_delivery",
        "consent": True,
    }
    stored = post_to_stack(before, "forms/registration", registration)
    exports = exports_bucket(before)
    exports.put_object(Key="exports/kept.csv", Body="姓名\n重启后还在\n".encode(), ContentType="text/csv")

    after = serving.restart()

    item = stack_table(after).get_item(Key={"pk": f"sub#{stored['id']}"})["Item"]
    assert item["data"]["mobile"] == mobile
    kept = exports_bucket(after).Object("exports/kept.csv").get()
    assert (kept["Body"].read().decode(), kept["ContentType"]) == ("姓名\n重启后还在\n", "text/csv")
    # The same token, printed again: it is the local admin's own.
    assert after["token"] == before["token"]


def exports_bucket(serve):
    """The exports bucket `serve` made on its embedded server (the dev stage's)."""
    import boto3
    from botocore.config import Config

    s3 = boto3.resource(
        "s3",
        endpoint_url=serve["db"],
        region_name="cn-north-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(s3={"addressing_style": "path"}),
    )
    return s3.Bucket(stage_environment()["EXPORTS_BUCKET"])
