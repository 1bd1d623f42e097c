"""An admin gives a colleague a token in the console, shown once, then revokes it (`build.py serve`, chromium)."""

from __future__ import annotations

import re
import uuid

import pytest
from conftest import new_phone_context

pytestmark = pytest.mark.browser
STATION = "hongqi-first-street"
PHONE_WIDTH = 390
FORM = "[data-staff-token-form]"


def sign_in(page, stack, token: str) -> None:
    page.goto(stack["site"] + "staff/")
    page.fill("#staff-token", token)
    page.click("[data-staff-signin] button[type=submit]")


def test_an_admin_gives_a_colleague_a_token_shown_once_then_revokes_it(stack, browser):
    admin = new_phone_context(browser, PHONE_WIDTH, permissions=["clipboard-read", "clipboard-write"])
    colleague = new_phone_context(browser, PHONE_WIDTH)
    try:
        page = admin.new_page()
        sign_in(page, stack, stack["token"])
        page.click("a[data-tab=colleagues]")
        own = stack["token"].split(".")[0]
        page.wait_for_selector(f"[data-token='{own}']:has-text('您正在使用')")
        assert page.locator(f"[data-token='{own}'] [data-staff-revoke]").count() == 0

        # What is wrong is said under its field, in the API's words.
        page.click(f"{FORM} button[type=submit]")
        page.wait_for_selector(f"{FORM} [data-error-for=name]:has-text('请填写姓名')")

        # A station token: the stations are picked by name; an admin's would name none.
        name = "王" + uuid.uuid4().hex[:4]
        page.fill(f"{FORM} input[name=name]", name)
        page.select_option(f"{FORM} select[name=role]", "admin")
        assert page.is_hidden(f"{FORM} select[name=stations]")
        page.select_option(f"{FORM} select[name=role]", "station")
        station_name = page.text_content(f"{FORM} select[name=stations] option[value='{STATION}']")
        page.select_option(f"{FORM} select[name=stations]", [STATION])
        page.fill(f"{FORM} input[name=days]", "7")
        page.click(f"{FORM} button[type=submit]")

        # Shown once, with a warning that says so, and copied with one tap.
        page.wait_for_selector("[data-staff-new-token]:visible")
        token = page.input_value("[data-staff-new-token-value]")
        assert page.text_content(f"{FORM} [data-error-for=name]") == ""
        assert re.fullmatch(r"[0-9a-f]{12}\.[A-Za-z0-9_\-]{43}", token)
        assert "只显示这一次" in page.text_content("[data-staff-new-token]")
        page.click("[data-staff-copy]")
        page.wait_for_selector("[data-staff-copy-result]:has-text('已复制')")
        assert page.evaluate("navigator.clipboard.readText()") == token
        token_id, secret = token.split(".")
        row = f"[data-token='{token_id}']"
        page.wait_for_selector(f"{row}:has-text('{name}')")
        assert station_name in page.text_content(row)
        page.click("[data-staff-new-token-done]")
        assert page.is_hidden("[data-staff-new-token]")
        assert page.input_value("[data-staff-new-token-value]") == ""
        # Nothing shows it again: not the list, not the page opened anew.
        page.reload()
        page.click("a[data-tab=colleagues]")
        page.wait_for_selector(row)
        assert secret not in page.evaluate("document.body.innerText")
        assert page.is_hidden("[data-staff-new-token]")

        # The new token signs in, on the colleague's own phone.
        other = colleague.new_page()
        sign_in(other, stack, token)
        other.wait_for_selector(f"[data-staff-who]:has-text('{name}')")
        assert station_name in other.text_content("[data-staff-who]")
        assert other.is_hidden("a[data-tab=colleagues]")

        # Revoked after a confirmation: it no longer signs in.
        page.once("dialog", lambda dialog: dialog.accept())
        page.click(f"[data-staff-revoke='{token_id}']")
        page.wait_for_selector(f"{row}:has-text('已停用')")
        assert page.locator(f"{row} [data-staff-revoke]").count() == 0
        other.reload()
        other.wait_for_selector("[data-staff-signin-result]:has-text('已停用')")
        assert other.is_hidden("[data-staff-app]")
        sign_in(other, stack, token)
        other.wait_for_selector("[data-staff-signin-result]:has-text('已停用')")
        assert other.is_hidden("[data-staff-app]")

        # Both steps are in the audit log, by name.
        page.click("a[data-tab=audit]")
        page.click("[data-staff-audit] button[type=submit]")
        page.wait_for_selector(f"[data-staff-audit-items] li:has-text('停用令牌：{name}')")
        assert page.locator(f"[data-staff-audit-items] li:has-text('发放令牌：{name}')").count() == 1
    finally:
        admin.close()
        colleague.close()
