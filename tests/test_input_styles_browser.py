"""Every box a member or staff member types in can be seen: computed styles in Debian's chromium, every page kind."""

from __future__ import annotations

import pytest
from conftest import post_to_stack

pytestmark = pytest.mark.browser
# The narrowest common phone screen.
PHONE_WIDTH = 390

# WCAG 2.1: text needs 4.5:1 against its background (1.4.3); a control's edge 3:1 against
# what surrounds it (1.4.11), so a box can be found on the page.
TEXT_CONTRAST = 4.5
EDGE_CONTRAST = 3.0
MOBILE = "13700137000"

# For each visible control, what a reader sees: its text against its own background, and
# its edge (a border on any side, or a background of its own) against what is around it.
# Colours with alpha are laid over what is beneath them. Checkboxes and radio buttons keep
# chromium's own drawing (a dark ring on any page) when their appearance is left native.
CONTROLS_SEEN = """
() => {
  const parse = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const parts = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const over = (top, below) => ({
    r: top.r * top.a + below.r * (1 - top.a), g: top.g * top.a + below.g * (1 - top.a),
    b: top.b * top.a + below.b * (1 - top.a), a: 1 });
  const backdrop = (node) => {
    const layers = [];
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a === 1) break; }
    }
    return layers.reverse().reduce((below, top) => over(top, below), { r: 255, g: 255, b: 255, a: 1 });
  };
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const contrast = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const controls = [...document.querySelectorAll("input, select, textarea")].filter((node) => {
    if (node.type === "hidden" || node.closest("[hidden], .sw-hp")) return false;
    const box = node.getBoundingClientRect();
    // Off to the side (the closed search on a phone) or see-through is not on the screen.
    return box.width > 0 && box.height > 0 && box.right > 0 && box.left < innerWidth &&
      node.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  });
  return controls.map((node) => {
    const style = getComputedStyle(node);
    const around = backdrop(node.parentElement);
    const own = backdrop(node);
    const sides = ["Top", "Right", "Bottom", "Left"].map((side) => ({
      width: parseFloat(style["border" + side + "Width"]),
      style: style["border" + side + "Style"],
      color: parse(style["border" + side + "Color"]),
    }));
    const edges = sides.filter((s) => s.width > 0 && s.style !== "none" && s.style !== "hidden" && s.color)
      .map((s) => contrast(over(s.color, own), around));
    const native = (node.type === "checkbox" || node.type === "radio") && style.appearance !== "none";
    return {
      what: node.tagName.toLowerCase() + "[type=" + (node.getAttribute("type") || "") + "] " +
        (node.name || node.id || node.className),
      type: node.type,
      native: native,
      size: Math.min(node.getBoundingClientRect().width, node.getBoundingClientRect().height),
      edge: Math.max(0, ...edges, contrast(own, around)),
      text: contrast(over(parse(style.color), own), own),
    };
  });
}
"""


def unseen(page) -> tuple[list[str], list[dict]]:
    """Return the controls a reader cannot make out on the page as it is now, and all controls measured."""
    controls = page.evaluate(CONTROLS_SEEN)
    problems = []
    for control in controls:
        if control["native"]:
            if control["size"] < 16:
                problems.append(f"{control['what']}: {control['size']:.0f} px")
            continue
        if control["edge"] < EDGE_CONTRAST:
            problems.append(f"{control['what']}: edge {control['edge']:.2f}:1")
        if control["text"] < TEXT_CONTRAST:
            problems.append(f"{control['what']}: text {control['text']:.2f}:1")
    return problems, controls


@pytest.mark.parametrize(
    "path",
    [
        "",
        "register/",
        "request/",
        "volunteer/",
        "service-report/",
        "status/",
        "thanks/",
        "stations/",
        "stations/hongqi-first-street/",
        "station-list/",
        "lessons/",
        "lessons/using-stations/",
        "privacy/",
        "no-such-page/",
    ],
)
def test_every_box_on_a_member_page_can_be_seen(stack, phone, path):
    phone.goto(stack["site"] + path)
    problems, _ = unseen(phone)
    assert not problems
    # The search box, opened as a member opens it from the header.
    phone.click("label[for=__search].md-header__button")
    phone.wait_for_function(
        "document.querySelector('input[data-md-component=search-query]').checkVisibility({opacityProperty: true})"
    )
    problems, controls = unseen(phone)
    assert any("query" in control["what"] for control in controls)
    assert not problems


def test_every_box_of_the_staff_console_can_be_seen(stack, phone):
    ticket = post_to_stack(
        stack,
        "forms/request",
        {"station": "hongqi-first-street", "category": "station_service", "message": "驿站的饮水机坏了。"},
    )["ticket"]
    registration = {"name": "陈红", "mobile": MOBILE, "home_org": "某村党支部", "employer": "某平台"}
    registration.update(work_area="城关镇", job_type="courier", consent=True)
    post_to_stack(stack, "forms/registration", registration)

    phone.goto(stack["site"] + "staff/")
    problems, controls = unseen(phone)
    assert [control["type"] for control in controls] == ["password"]
    assert not problems  # the token box

    phone.fill("#staff-token", stack["token"])
    phone.click("[data-staff-signin] button[type=submit]")
    phone.wait_for_selector(".sw-tile")
    seen_types = set()
    for tab in ("overview", "records", "export", "people", "audit"):
        phone.click(f"a[data-tab={tab}]")
        problems, controls = unseen(phone)
        assert not problems, tab
        seen_types |= {control["type"] for control in controls}

    # A request's form, then a member's forms (liaison, follow-up, transfer).
    phone.fill("[data-staff-ticket] input[name=ticket]", ticket)
    phone.click("[data-staff-ticket] button[type=submit]")
    phone.wait_for_selector("[data-staff-detail] textarea[name=reply]")
    problems, controls = unseen(phone)
    assert not problems
    seen_types |= {control["type"] for control in controls}
    phone.click("a[data-tab=people]")
    phone.fill("[data-staff-people] input[name=mobile]", MOBILE)
    phone.click("[data-staff-people] button[type=submit]")
    phone.wait_for_selector("[data-staff-people-result] .sw-staff-person")
    phone.click("a[data-tab=records]")
    phone.select_option("[data-staff-list] select[name=form]", "registration")
    phone.click("[data-staff-list] button[type=submit]")
    phone.click(".sw-staff-item >> nth=0")
    phone.wait_for_selector("[data-staff-detail] select[name=state]")
    problems, controls = unseen(phone)
    assert not problems
    seen_types |= {control["type"] for control in controls}
    assert {"text", "tel", "date", "textarea", "select-one"} <= seen_types
