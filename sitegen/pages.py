"""Render the generated pages of the site (home, stations, forms, posters) from content."""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
import material
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from sitegen import geo
from sitegen.content import Content
from sitegen.formdefs import FORMS, HONEYPOT_FIELD, TICKET_PATTERN, Field, FormDef, messages, with_teams
from sitegen.hours import page_rule
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
}


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
    for name in FORM_PAGES:
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


def qr_codes(content: Content, settings: SiteSettings) -> list[QrCode]:
    """Every QR code the site serves under qr/."""
    codes = [return_qr(settings)]
    codes += [station_qr(s, settings) for s in content.stations]
    codes += [return_qr(settings, s.id) for s in content.stations]
    codes += [return_qr(settings, c.tag) for c in settings.campaigns]
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
        icon=lambda name: Markup(icon_svg(name)),
        icon_symbol=lambda name, symbol_id: Markup(icon_symbol(name, symbol_id)),
    )
    env.filters["tojson_attr"] = lambda value: json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    # A JSON string is a valid YAML scalar: safe front matter whatever an editor typed.
    env.filters["yaml_str"] = lambda value: Markup(json.dumps(str(value), ensure_ascii=False))
    env.filters["service_label"] = lambda service: SERVICES[service].zh
    return env


def _render(template: str, page_url: str, **context) -> str:
    env = _environment()
    return env.get_template(template).render(
        page_url=page_url, rel=lambda target: relative_url(target, page_url), **context
    )


def _map_links(station: Station, coordinates: str) -> dict[str, str]:
    lat, lng = geo.to_gcj02(station.lat, station.lng, coordinates)
    return {
        "高德地图": geo.amap_link(station.name, lat, lng),
        "腾讯地图": geo.tencent_link(station.name, lat, lng),
    }


@dataclass(frozen=True)
class ListedStation:
    """A station as the stations list shows it, with its position in GCJ-02: the system the
    map apps take, and the one finder.js measures distances in."""

    station: Station
    lat: float
    lng: float


def stations_by_town(stations: tuple[Station, ...]) -> list[Station]:
    """The stations grouped by town, towns in the order stations.yaml first names them."""
    # Without the phone's location this is the list's order. Editors put the county seat
    # first and group by town, so the page reads like the file and like the county; the
    # grouping only tidies a file that strays. Not "open now" first: that order would change
    # with the clock and differ from the page without JavaScript, so a member could not
    # find the station they know; each entry says whether it is open instead.
    towns: dict[str, list[Station]] = {}
    for station in stations:
        towns.setdefault(station.town, []).append(station)
    return [station for group in towns.values() for station in group]


def listed_stations(content: Content) -> list[ListedStation]:
    """The stations list's entries, in its order without the phone's location."""
    return [
        ListedStation(station, *station.gcj02(content.coordinates)) for station in stations_by_town(content.stations)
    ]


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


def render_pages(content: Content, settings: SiteSettings) -> dict[str, str]:
    """Every generated Markdown page, by its source path (`stations/<id>.md`)."""
    pages = {
        "index.md": _render("home.md.j2", "", content=content),
        "lessons/index.md": _render("lessons_index.md.j2", "lessons/", content=content),
        "stations/index.md": render_stations_index(content),
        "station-list.md": render_plain_station_list(content),
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
            maps=_map_links(station, content.coordinates),
            qr=station_qr(station, settings),
        )
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
    from chalicelib.forms import DEFAULT_MAX_LENGTH
    from chalicelib.staffinput import (
        APPROVAL_LABELS,
        DATE_PATTERN,
        FOLLOW_UP_FIELDS,
        FORMATS,
        LIAISON_FIELDS,
        REQUEST_CHANGE_FIELDS,
        REVIEW_FIELDS,
        REVIEW_LABELS,
        TRANSFER_FIELDS,
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
        "lessons": {lesson.slug: lesson.title for lesson in content.lessons},
        "sources": {campaign.tag: campaign.name for campaign in settings.campaigns},
        "ticket": {"alphabet": TICKET_ALPHABET, "length": TICKET_LENGTH},
        "roles": ROLE_LABELS,
        "teams": teams,
        "approvals": APPROVAL_LABELS,
        "reviews": REVIEW_LABELS,
    }
    # A station token's stations are picked by name from the content's stations, as the API checks them.
    new_token_fields = token_fields({station.id: station.name for station in content.stations})
    actions = [
        StaffAction("request", "处理", "保存", REQUEST_CHANGE_FIELDS),
        StaffAction("liaison", "联系人（1+1 结对）", "保存联系人", LIAISON_FIELDS),
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
        forms=list(FORMS.values()),
        stations=content.stations,
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
    # A return code for every place it is posted, so staff see which poster brought whom.
    places = [(station.id, station.name) for station in content.stations]
    places += [(campaign.tag, campaign.name) for campaign in settings.campaigns]
    for tag, place in places:
        url = f"posters/register-{tag}/"
        posters[f"{url}index.html"] = _render(
            "poster.html.j2", url, qr=return_qr(settings, tag), station=None, title="流动党员归队码", place=place
        )
    return posters
