"""Render the generated pages of the site (home, stations, branches, activities, forms, posters) from content."""

from __future__ import annotations

import datetime
import json
import posixpath
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol, TypeVar

import jinja2
import material
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from sitegen import geo
from sitegen.activities import Activity
from sitegen.content import Content
from sitegen.formdefs import (
    FORMS,
    HONEYPOT_FIELD,
    TICKET_PATTERN,
    Field,
    FormDef,
    attendance_page_texts,
    messages,
    with_teams,
)
from sitegen.hours import CHINA_TIME, DAY_NAMES_ZH, page_rule
from sitegen.qr import QrCode
from sitegen.services import HOSTS, SERVICES
from sitegen.stations import Station

TEMPLATES = Path(__file__).parent / "templates"
MATERIAL_ICONS = Path(material.__file__).parent / "templates" / ".icons"

# The public forms and the page each one lives at.
FORM_PAGES = {"registration": "register", "request": "request", "volunteer": "volunteer", "service": "service-report"}


@dataclass(frozen=True)
class Campaign:
    """A place a return code is posted outside the stations, named by its source tag."""

    tag: str
    name: str


@dataclass(frozen=True)
class PrivacyContact:
    """Who handles members' personal information, how to reach them, and where it is stored."""

    office: str
    phone: str
    address: str
    storage: str  # the stage's region, as a member reads it


@dataclass(frozen=True)
class SiteSettings:
    """What the generated pages need to know about where the site and API live."""

    site_url: str  # absolute, ends with "/"
    api_url: str  # absolute, ends with "/"
    privacy: PrivacyContact
    campaigns: tuple[Campaign, ...] = ()


# What the privacy notice tells a member about the values a form records without a box
# to type in: in their words, never the field's internal name. A form with a hidden field
# missing here does not build.
RECORDED_WITHOUT_TYPING = {
    "source": "您是扫哪张海报或哪个驿站的二维码打开这张表的（用来了解各处宣传的效果）",
    "station": "诉求涉及的驿站（从驿站页面提交时自动填好，也可以自己选）",
    "activity": "您报名的活动（从活动页面报名时自动填好）",
    "waitlist": "活动满员时，您是否选择了加入候补名单",
}
# Public forms that live inside another page rather than at a page of their own.
EMBEDDED_FORMS = ("signup",)


@dataclass(frozen=True)
class PrivacyEntry:
    """One form as the privacy notice describes it to a member."""

    title: str
    typed: tuple[str, ...]  # the labels of what the member fills in
    recorded: tuple[str, ...]  # what the form records besides, in the member's words
    purpose: str  # and how long it is kept


def privacy_entries() -> list[PrivacyEntry]:
    """What each public form collects, why, and for how long, as the privacy notice lists it."""
    entries = []
    for name in (*FORM_PAGES, *EMBEDDED_FORMS):
        form = FORMS[name]
        shown = [field for field in form.fields if field.kind not in ("hidden", "consent")]
        hidden = [field for field in form.fields if field.kind == "hidden"]
        entries.append(
            PrivacyEntry(
                title=form.title_zh,
                typed=tuple(field.label_zh for field in shown),
                recorded=tuple(RECORDED_WITHOUT_TYPING[field.name] for field in hidden),
                purpose=form.privacy_zh,
            )
        )
    return entries


def station_qr(station: Station, settings: SiteSettings) -> QrCode:
    """The QR code on a station's wall: it opens the station's page."""
    return QrCode(f"station-{station.id}", f"{settings.site_url}stations/{station.id}/")


def return_qr(settings: SiteSettings, tag: str | None = None) -> QrCode:
    """The return code, plain or tagged with where it was posted."""
    if tag is None:
        return QrCode("register", f"{settings.site_url}register/")
    return QrCode(f"register-{tag}", f"{settings.site_url}register/?src={tag}")


# The activity page reads this marker to know it was opened from the code at the door.
DOOR_MARKER = "at=door"


def activity_qr(activity: Activity, settings: SiteSettings) -> QrCode:
    """The QR code at an activity's door: it opens the activity's page, marked as scanned there."""
    return QrCode(f"activity-{activity.id}", f"{settings.site_url}activities/{activity.id}/?{DOOR_MARKER}")


def qr_codes(content: Content, settings: SiteSettings) -> list[QrCode]:
    """Every QR code the site serves under qr/."""
    codes = [return_qr(settings)]
    codes += [station_qr(s, settings) for s in content.stations]
    codes += [return_qr(settings, s.id) for s in content.stations]
    codes += [return_qr(settings, c.tag) for c in settings.campaigns]
    codes += [activity_qr(a, settings) for a in content.activities]
    return codes


def hours_rule_script() -> Markup:
    """The opening-hours rule's constants (hours.page_rule()) as the page's hours.js reads them."""
    compact = htmlsafe_json_dumps(
        page_rule(), dumps=lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    )
    return Markup('<script type="application/json" data-sanwei-hours-rule>') + compact + Markup("</script>")


def relative_url(target: str, page_url: str) -> str:
    """Link from the directory-style page `page_url` to the site path `target`, so the
    site works from any sub-path."""
    base = page_url if page_url.endswith("/") else posixpath.dirname(page_url) + "/"
    rel = posixpath.relpath("/" + target, "/" + base)
    if target.endswith("/") and not rel.endswith("/"):
        rel += "/"
    return rel


@cache
def _icon_file(name: str) -> str:
    family, _, icon = name.partition("-")
    return (MATERIAL_ICONS / family / f"{icon}.svg").read_text(encoding="utf-8")


@cache
def icon_svg(name: str) -> str:
    """Inline one of mkdocs-material's bundled icons (`material-cup-water`), so no icon
    font or image is fetched."""
    return _icon_file(name).replace("<svg ", '<svg aria-hidden="true" class="sw-icon" ', 1)


_SVG = re.compile(r"<svg\b[^>]*?\bviewBox=\"([^\"]+)\"[^>]*>(.*)</svg>\s*", re.DOTALL)


@cache
def icon_symbol(name: str, symbol_id: str) -> str:
    """One bundled icon as an SVG <symbol>: defined once on a page, drawn anywhere on it by
    `<svg><use href="#symbol_id"/></svg>`, so a long list does not repeat its paths."""
    match = _SVG.fullmatch(_icon_file(name))
    if match is None:
        raise ValueError(f"icon {name!r} is not a single <svg> with a viewBox")
    view_box, body = match.groups()
    return f'<symbol id="{symbol_id}" viewBox="{view_box}">{body}</symbol>'


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        # Generated Markdown pages are mostly raw HTML: escape every value an editor wrote.
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(
        SERVICES=SERVICES,
        HOSTS=HOSTS,
        FORMS=FORMS,
        FORM_PAGES=FORM_PAGES,
        HONEYPOT_FIELD=HONEYPOT_FIELD,
        hours_rule_script=hours_rule_script,
        CHINA_OFFSET_MINUTES=page_rule()["utcOffsetMinutes"],
        icon=lambda name: Markup(icon_svg(name)),
        attendance_margin=lambda texts: datetime.timedelta(minutes=texts["margin_minutes"]),
        icon_symbol=lambda name, symbol_id: Markup(icon_symbol(name, symbol_id)),
    )
    env.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # A JSON string is a valid YAML scalar: safe front matter whatever an editor typed.
    env.filters["yaml_str"] = lambda value: Markup(json.dumps(str(value), ensure_ascii=False))
    env.filters["service_label"] = lambda service: SERVICES[service].zh
    env.filters["china_time_attr"] = china_time_attr
    env.filters["when_zh"] = when_zh
    return env


def _render(template: str, page_url: str, **context) -> str:
    env = _environment()
    return env.get_template(template).render(
        page_url=page_url, rel=lambda target: relative_url(target, page_url), **context
    )


def _map_links(name: str, lat: float, lng: float, coordinates: str) -> dict[str, str]:
    """Links that open a point in the map apps, by the app's name; lat/lng in the file's system."""
    lat, lng = geo.to_gcj02(lat, lng, coordinates)
    return {
        "高德地图": geo.amap_link(name, lat, lng),
        "腾讯地图": geo.tencent_link(name, lat, lng),
    }


@dataclass(frozen=True)
class ListedStation:
    """A station as the stations list shows it, with its position in GCJ-02: the system the
    map apps take, and the one finder.js measures distances in."""

    station: Station
    lat: float
    lng: float


class _InTown(Protocol):
    @property
    def town(self) -> str: ...


Place = TypeVar("Place", bound=_InTown)


def by_town(places: tuple[Place, ...]) -> list[Place]:
    """The stations or branches grouped by town, towns in the order their file first names them."""
    # Without the phone's location this is the list's order. Editors put the county seat
    # first and group by town, so the page reads like the file and like the county; the
    # grouping only tidies a file that strays. Not "open now" first: that order would change
    # with the clock and differ from the page without JavaScript, so a member could not
    # find the station they know; each entry says whether it is open instead.
    towns: dict[str, list[Place]] = {}
    for place in places:
        towns.setdefault(place.town, []).append(place)
    return [place for group in towns.values() for place in group]


def listed_stations(content: Content) -> list[ListedStation]:
    """The stations list's entries, in its order without the phone's location."""
    return [ListedStation(station, *station.gcj02(content.coordinates)) for station in by_town(content.stations)]


# How many stations the stations list shows before the member asks for more.
FIRST_STATIONS_SHOWN = 40


def render_stations_index(content: Content) -> str:
    """The stations list: every station with its hours, services and phone, and the finder
    that finder.js adds on top (nearest first, open now, filter by service, map links)."""
    offered = {service for station in content.stations for service in station.services}
    return _render(
        "stations_index.md.j2",
        "stations/",
        stations=listed_stations(content),
        services=[service for service in SERVICES if service in offered],
        first_shown=FIRST_STATIONS_SHOWN,
    )


def render_plain_station_list(content: Content) -> str:
    """Every station on one plain page, for browsers without JavaScript."""
    return _render("station_list.md.j2", "station-list/", stations=listed_stations(content))


def render_branches_index(content: Content) -> str:
    """The branches list: where and when each branch meets, its phone, and the finder that
    finder.js adds on top (nearest first, distance, map links)."""
    return _render("branches_index.md.j2", "branches/", branches=by_town(content.branches))


def render_pages(content: Content, settings: SiteSettings, now: datetime.datetime) -> dict[str, str]:
    """Every generated Markdown page, by its source path (`stations/<id>.md`); `now` (the
    build's time) sorts activities into upcoming and past, as the page's script does again."""
    pages = {
        "index.md": _render("home.md.j2", "", content=content, coming=coming_activities(content, now)),
        "activities/index.md": render_activities_index(content, now),
        "lessons/index.md": _render("lessons_index.md.j2", "lessons/", content=content),
        "stations/index.md": render_stations_index(content),
        "station-list.md": render_plain_station_list(content),
        "branches/index.md": render_branches_index(content),
        "status.md": _render("status.md.j2", "status/", settings=settings, ticket_pattern=TICKET_PATTERN),
        "thanks.md": _render("thanks.md.j2", "thanks/", ticket_pattern=TICKET_PATTERN),
        "privacy.md": _render("privacy.md.j2", "privacy/", entries=privacy_entries(), contact=settings.privacy),
        # The staff console: reached at staff/, kept out of the menu and the search index.
        "staff.md": render_staff_page(content, settings),
    }
    for station in content.stations:
        url = f"stations/{station.id}/"
        pages[f"stations/{station.id}.md"] = _render(
            "station.md.j2",
            url,
            station=station,
            hours=station.hours.describe_zh(),
            maps=_map_links(station.name, station.lat, station.lng, content.coordinates),
            qr=station_qr(station, settings),
        )
    for activity in content.activities:
        pages[f"activities/{activity.id}.md"] = render_activity_page(activity, content, settings)
    for form_name, page in FORM_PAGES.items():
        form = content_form(form_name, content)
        pages[f"{page}.md"] = _render(
            "form.md.j2",
            f"{page}/",
            form=form,
            rules=messages(form),
            action=f"{settings.api_url}forms/{form_name}",
            stations=content.stations,
        )
    return pages


def when_zh(activity: Activity) -> str:
    """An activity's time as a member reads it, in China time: "2026年12月5日（周六）19:30–21:00"."""
    start, end = activity.start.astimezone(CHINA_TIME), activity.end.astimezone(CHINA_TIME)
    if start.date() == end.date():
        return f"{day_zh(start)} {start:%H:%M}–{end:%H:%M}"
    return f"{day_zh(start)} {start:%H:%M} 至 {day_zh(end, start.year != end.year)} {end:%H:%M}"


def day_zh(moment: datetime.datetime, with_year: bool = True) -> str:
    """A day in China time: "2026年12月5日（周六）"."""
    day = moment.astimezone(CHINA_TIME)
    year = f"{day.year}年" if with_year else ""
    return f"{year}{day.month}月{day.day}日（{DAY_NAMES_ZH[day.weekday()]}）"


def china_time_attr(moment: datetime.datetime) -> str:
    """A moment as the page's script reads it: ISO 8601 with China's offset."""
    return moment.astimezone(CHINA_TIME).isoformat(timespec="minutes")


def upcoming_and_past(content: Content, now: datetime.datetime) -> tuple[list[Activity], list[Activity]]:
    """Activities not yet over, soonest first, and those over, latest first."""
    upcoming = [activity for activity in content.activities if activity.end > now]
    past = [activity for activity in reversed(content.activities) if activity.end <= now]
    return upcoming, past


# How many of the next activities the home page names.
HOME_ACTIVITIES = 3


def coming_activities(content: Content, now: datetime.datetime) -> list[Activity]:
    """The activities the home page names: today's and the next ones."""
    return upcoming_and_past(content, now)[0][:HOME_ACTIVITIES]


# How many past activities the list shows: the archive grows every month, the page must not.
PAST_SHOWN = 30


def render_activities_index(content: Content, now: datetime.datetime) -> str:
    """The activities list: upcoming first, soonest first; the latest past ones archived below
    (older ones keep their pages, and search finds them)."""
    upcoming, past = upcoming_and_past(content, now)
    return _render(
        "activities_index.md.j2",
        "activities/",
        upcoming=upcoming,
        past=past[:PAST_SHOWN],
        older=len(past) - len(past[:PAST_SHOWN]),
    )


def activity_place(activity: Activity, content: Content) -> dict:
    """Where an activity is, as its page shows it: a name, an address, a page to link to, map links."""
    place = activity.place
    if place.station:
        station = next(station for station in content.stations if station.id == place.station)
        return {
            "name": station.name,
            "address": station.address,
            "page": f"stations/{station.id}/",
            "maps": _map_links(station.name, station.lat, station.lng, content.coordinates),
        }
    if place.address:
        maps = {}
        if place.lat is not None and place.lng is not None:
            maps = _map_links(place.address, place.lat, place.lng, content.coordinates)
        return {"name": place.address, "address": None, "page": None, "maps": maps}
    if place.branch:
        branch = next(branch for branch in content.branches if branch.id == place.branch)
        return {
            "name": branch.name,
            "address": branch.address,
            "page": None,
            "maps": _map_links(branch.name, branch.lat, branch.lng, branch.coordinates),
        }
    return {"name": "线上", "address": None, "page": None, "maps": {}}


def render_activity_page(activity: Activity, content: Content, settings: SiteSettings) -> str:
    """One activity's page: time, place, organiser, capacity, the text, calendar file, QR code."""
    return _render(
        "activity.md.j2",
        f"activities/{activity.id}/",
        activity=activity,
        when=when_zh(activity),
        deadline=f"{day_zh(activity.deadline)} {activity.deadline:%H:%M}" if activity.deadline else None,
        place=activity_place(activity, content),
        qr=activity_qr(activity, settings),
        body=Markup(activity.body),
        settings=settings,
        signup=FORMS["signup"],
        signup_rules=messages(FORMS["signup"]),
        attendance=attendance_page_texts(),
    )


@dataclass(frozen=True)
class StaffAction:
    """A form of the staff console that changes a record, rendered from the API's own fields."""

    name: str
    title: str
    button: str
    fields: tuple[Field, ...]


def content_form(form_name: str, content: Content) -> FormDef:
    """Return a form as the API checks it against this content: a team field offers its teams."""
    return with_teams(FORMS[form_name], {team.id: team.name for team in content.teams})


def render_staff_page(content: Content, settings: SiteSettings) -> str:
    """The staff console's page: its choices and forms come from the API's own definitions."""
    # functions/ is on the path once sitegen.formdefs is imported (above).
    from chalicelib.activities import STATUS_LABELS as SIGNUP_LABELS
    from chalicelib.activities import WAY_LABELS
    from chalicelib.forms import DEFAULT_MAX_LENGTH
    from chalicelib.staffinput import (
        ACTIVITY_EXPORT_FIELDS,
        APPROVAL_LABELS,
        DATE_PATTERN,
        DAY_LISTED_FORMS,
        FOLLOW_UP_FIELDS,
        FORMATS,
        LIAISON_FIELDS,
        REQUEST_CHANGE_FIELDS,
        REVIEW_FIELDS,
        REVIEW_LABELS,
        TRANSFER_FIELDS,
        branch_fields,
        service_fields,
        team_decision_fields,
        token_fields,
    )
    from chalicelib.tickets import TICKET_ALPHABET, TICKET_LENGTH
    from chalicelib.tokens import ROLE_LABELS
    from chalicelib.workflow import STATUS_LABELS, TRANSITIONS

    teams = {team.id: team.name for team in content.teams}
    names = {
        "forms": {form.name: form.title_zh for form in FORMS.values()},
        "fields": {
            form.name: [[field.name, field.label_zh] for field in form.fields if field.kind != "consent"]
            for form in FORMS.values()
        },
        "choices": {
            f"{form.name}.{field.name}": {choice.value: choice.zh for choice in field.choices}
            for form in (content_form(name, content) for name in FORMS)
            for field in form.fields
            if field.choices
        },
        "statuses": STATUS_LABELS,
        "transitions": {status: sorted(targets) for status, targets in TRANSITIONS.items()},
        "stations": {station.id: station.name for station in content.stations},
        "branches": {branch.id: branch.name for branch in content.branches},
        "lessons": {lesson.slug: lesson.title for lesson in content.lessons},
        "sources": {campaign.tag: campaign.name for campaign in settings.campaigns},
        "ticket": {"alphabet": TICKET_ALPHABET, "length": TICKET_LENGTH},
        "roles": ROLE_LABELS,
        "teams": teams,
        "approvals": APPROVAL_LABELS,
        "reviews": REVIEW_LABELS,
        "signup_statuses": SIGNUP_LABELS,
        "ways": WAY_LABELS,
        "activity_lists": {choice.value: choice.zh for choice in ACTIVITY_EXPORT_FIELDS[0].choices},
    }
    # A station token's stations are picked by name from the content's stations, as the API checks them.
    new_token_fields = token_fields({station.id: station.name for station in content.stations})
    actions = [
        StaffAction("request", "处理", "保存", REQUEST_CHANGE_FIELDS),
        StaffAction("liaison", "联系人（1+1 结对）", "保存联系人", LIAISON_FIELDS),
        StaffAction("branch", "所属支部", "保存支部", branch_fields({b.id: b.name for b in content.branches})),
        StaffAction("follow-up", "记一次跟进", "记下", FOLLOW_UP_FIELDS),
        StaffAction("transfer", "组织关系转接", "保存进展", TRANSFER_FIELDS),
        StaffAction("team", "服务队审核", "保存审核结果", team_decision_fields(teams)),
        StaffAction("review", "核实上报", "保存核实结果", REVIEW_FIELDS),
    ]
    return _render(
        "staff.md.j2",
        "staff/",
        names=names,
        actions=actions,
        token_fields=new_token_fields,
        service_fields=service_fields(teams),
        teams=teams,
        approvals=APPROVAL_LABELS,
        date_pattern=DATE_PATTERN,
        default_max_length=DEFAULT_MAX_LENGTH,
        # Sign-ups and attendance are listed and exported by activity, in the 活动 tab.
        forms=list(DAY_LISTED_FORMS),
        stations=content.stations,
        branches=content.branches,
        statuses=STATUS_LABELS,
        formats=FORMATS,
    )


def render_posters(content: Content, settings: SiteSettings) -> dict[str, str]:
    """Printable A4 posters, by their output path (`posters/<id>/index.html`)."""
    posters = {
        "posters/register/index.html": _render(
            "poster.html.j2",
            "posters/register/",
            qr=return_qr(settings),
            station=None,
            title="流动党员归队码",
            place=None,
        )
    }
    for station in content.stations:
        url = f"posters/{station.id}/"
        posters[f"{url}index.html"] = _render(
            "poster.html.j2", url, qr=station_qr(station, settings), station=station, title=station.name, place=None
        )
    for activity in content.activities:
        url = f"posters/activity-{activity.id}/"
        posters[f"{url}index.html"] = _render(
            "poster.html.j2",
            url,
            qr=activity_qr(activity, settings),
            station=None,
            activity=activity,
            when=when_zh(activity),
            title=activity.title,
            place=activity_place(activity, content)["name"],
        )
    # A return code for every place it is posted, so staff see which poster brought whom.
    places = [(station.id, station.name) for station in content.stations]
    places += [(campaign.tag, campaign.name) for campaign in settings.campaigns]
    for tag, place in places:
        url = f"posters/register-{tag}/"
        posters[f"{url}index.html"] = _render(
            "poster.html.j2", url, qr=return_qr(settings, tag), station=None, title="流动党员归队码", place=place
        )
    return posters
