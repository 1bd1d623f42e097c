"""Write copies of the project to build: the sample content as it is, or many lessons and stations made from it."""

from __future__ import annotations

import copy
import datetime
import random
import re
import shutil
from pathlib import Path

import yaml

from sitegen.branches import BRANCHES_FILE
from sitegen.content import Content, check_content, load_content
from sitegen.lessons import LESSONS_DIR, Lesson
from sitegen.problems import ContentError
from sitegen.services import HOSTS, SERVICES
from sitegen.stations import STATIONS_FILE

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("sitegen", "functions")
CODE_FILES = ("mkdocs.yml",)
# Caches in the repository (QR images, bytecode) would make a "clean" build look faster than it is.
IGNORED = shutil.ignore_patterns("__pycache__", ".cache")

# 泗县's towns and townships.
TOWNS = (
    "泗城镇", "墩集镇", "丁湖镇", "草沟镇", "长沟镇", "大庄镇", "黑塔镇", "屏山镇",
    "山头镇", "刘圩镇", "黄圩镇", "大杨镇", "草庙镇", "瓦坊乡", "大路口乡",
)  # fmt: skip
# What the sign by the door says, by kind of host.
PLACES = {
    "shop": "便利店",
    "bank": "农商银行网点",
    "pharmacy": "大药房",
    "community": "社区党群服务站",
    "office_building": "商务楼一楼大堂",
    "company": "物流园门卫室旁",
    "government": "便民服务中心一楼",
    "gas_station": "加油站便利店",
}
STREETS = ("人民路", "汴河大道", "隋河路", "银河路", "运河路", "虹乡路", "泗州大道", "东大街", "西大街", "镇区主街")
REQUIRED_SERVICES = ("rest", "water")
SERVICES_PER_STATION = (3, 8)
# The box 泗县 lies in, in GCJ-02.
LAT_RANGE = (33.3, 33.7)
LNG_RANGE = (117.6, 118.1)
FIRST_DATE = datetime.date(2025, 1, 1)
DATE_SPAN_DAYS = 730
SECTIONS_PER_LESSON = (3, 6)
# Links between sample lessons; generated lessons point them at other generated lessons.
_LESSON_LINK = re.compile(r"\[([^\]]*)\]\([a-z0-9-]+\.md(?:#[^)]*)?\)")


def copy_project_code(dest: Path) -> None:
    """Copy what a build needs besides content (mkdocs.yml, sitegen/, functions/) into dest."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in CODE_DIRS:
        shutil.copytree(ROOT / name, dest / name, ignore=IGNORED)
    for name in CODE_FILES:
        shutil.copy2(ROOT / name, dest / name)


def copy_sample_project(dest: Path) -> None:
    """Copy the project with its real sample lessons, stations and branches into dest, without any cache."""
    copy_project_code(dest)
    shutil.copytree(ROOT / LESSONS_DIR, dest / LESSONS_DIR, ignore=IGNORED)
    shutil.copy2(ROOT / STATIONS_FILE, dest / STATIONS_FILE)
    shutil.copy2(ROOT / BRANCHES_FILE, dest / BRANCHES_FILE)


def write_generated_content(dest: Path, lessons: int, stations: int, seed: int = 1) -> Content:
    """Write a project copy into dest (new or empty) with that many lessons and stations made from the samples."""
    rng = random.Random(seed)
    copy_project_code(dest)
    _write_lessons(dest / LESSONS_DIR, lessons, rng)
    _write_stations(dest / STATIONS_FILE, stations, rng)
    content, problems = check_content(dest)
    if content is None:
        raise ContentError(problems)
    return content


def _write_lessons(folder: Path, count: int, rng: random.Random) -> None:
    samples = load_content(ROOT).lessons
    folder.mkdir()
    # The sample's images, so sections that show one still find it beside the lesson.
    for image in (ROOT / LESSONS_DIR).iterdir():
        if image.is_file() and image.suffix != ".md":
            shutil.copy2(image, folder / image.name)

    pool = [section for sample in samples for section in _sections(sample.body)]
    bases = [rng.choice(samples) for _ in range(count)]
    # Slug and title of each lesson, known up front so any lesson can link to any other.
    lessons = [(f"{base.slug}-{n:04d}", f"{base.title}（第 {n} 课）") for n, base in enumerate(bases, start=1)]
    for number, base in enumerate(bases):
        # Open with the base lesson's own first section, so the title fits what is read first.
        opening = _sections(base.body)[0]
        others = rng.sample([section for section in pool if section != opening], rng.randint(*SECTIONS_PER_LESSON) - 1)
        body = _relink("\n\n".join([opening, *others]), number, lessons, rng)
        slug, title = lessons[number]
        (folder / f"{slug}.md").write_text(f"---\n{_front_matter(base, title, rng)}---\n\n{body}\n", encoding="utf-8")


def _relink(body: str, number: int, lessons: list[tuple[str, str]], rng: random.Random) -> str:
    """Point the sample's links between lessons at other generated lessons, and end with two more."""
    if len(lessons) == 1:
        # A lone lesson has nothing to link to: keep the words, drop the links.
        return _LESSON_LINK.sub(lambda link: link.group(1), body)

    def another_lesson(_link: re.Match | None = None) -> str:
        other = rng.randrange(len(lessons) - 1)
        other += other >= number  # any lesson but this one
        slug, title = lessons[other]
        return f"[{title}]({slug}.md)"

    related = "、".join(dict.fromkeys(another_lesson() for _ in range(2)))
    return _LESSON_LINK.sub(another_lesson, body) + f"\n\n延伸阅读：{related}。"


def _sections(body: str) -> list[str]:
    """Split a lesson body at its '## ' headings; text before the first heading is a section too."""
    sections: list[list[str]] = [[]]
    for line in body.splitlines():
        if line.startswith("## ") and any(text.strip() for text in sections[-1]):
            sections.append([])
        sections[-1].append(line)
    return [text for text in ("\n".join(lines).strip() for lines in sections) if text]


def _front_matter(base: Lesson, title: str, rng: random.Random) -> str:
    """YAML front matter with the fields sitegen/lessons.py reads, optional ones only sometimes."""
    meta: dict = {"title": title}
    if base.summary:
        meta["summary"] = base.summary
    if rng.random() < 0.3:
        meta["minutes"] = rng.randint(2, 6)
    meta["date"] = FIRST_DATE + datetime.timedelta(days=rng.randrange(DATE_SPAN_DAYS))
    meta["tags"] = list(base.tags)
    if rng.random() < 0.2:
        meta["order"] = rng.randint(1, 50)
    return yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, default_flow_style=None, width=1000)


def _write_stations(path: Path, count: int, rng: random.Random) -> None:
    hours_forms = _sample_hours_forms()
    optional_services = [service for service in SERVICES if service not in REQUIRED_SERVICES]
    stations = []
    for number in range(1, count + 1):
        host = rng.choice(list(HOSTS))
        town = rng.choice(TOWNS)
        extra = rng.sample(optional_services, rng.randint(*SERVICES_PER_STATION) - len(REQUIRED_SERVICES))
        stations.append(
            {
                "id": f"station-{number:04d}",
                "name": f"泗州红旗驿站·第{number}站",
                "address": f"{town}{rng.choice(STREETS)}{rng.randint(1, 300)}号{PLACES.get(host, HOSTS[host])}",
                "town": town,
                "location": {"lat": round(rng.uniform(*LAT_RANGE), 4), "lng": round(rng.uniform(*LNG_RANGE), 4)},
                # A copy each: shared objects would come out as YAML anchors, which editors never write.
                "hours": copy.deepcopy(rng.choice(hours_forms)),
                # In the order the site lists services, as an editor copying the comment would.
                "services": [service for service in SERVICES if service in (*REQUIRED_SERVICES, *extra)],
                "phone": f"0557-70{number:05d}",
                "host": host,
            }
        )
    data = {"coordinates": "gcj02", "stations": stations}
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=1000),
        encoding="utf-8",
    )


def _sample_hours_forms() -> list:
    """The distinct ways the real stations.yaml writes opening hours (24h, every_day, day ranges...)."""
    stations = yaml.safe_load((ROOT / STATIONS_FILE).read_text(encoding="utf-8"))["stations"]
    forms = {repr(station["hours"]): station["hours"] for station in stations}
    return list(forms.values())
