"""HTTP answers: JSON for scripts (the page, the staff console), a redirect or a small page for a plain form post."""

from __future__ import annotations

import html
from urllib.parse import urlencode

from chalice import Response

from chalicelib.bodies import is_form_post
from chalicelib.forms import SUMMARY_MESSAGE, FormDef
from chalicelib.store import SaveResult

NOT_FOUND_MESSAGE = "没有这个表单"
ACTIVITY_NOT_FOUND_MESSAGE = "没有这个活动，可能已经取消，请刷新活动列表"
TICKET_NOT_FOUND_MESSAGE = "没有找到这个受理编号，请核对后再查"
MEMBER_NOT_FOUND_MESSAGE = "没有找到这位登记的党员，可能已被删除"
PERSON_NOT_FOUND_MESSAGE = "没有找到这个手机号码的任何记录"
BAD_BODY_MESSAGE = "提交的内容无法识别，请刷新页面后重新提交"
TOO_LARGE_MESSAGE = "提交的内容太长了，请删减后重新提交"
CONFLICT_MESSAGE = "这个提交编号已用于另一份内容，请刷新页面后重新提交"
UNAVAILABLE_MESSAGE = "服务器繁忙，请稍后重试"
RECORD_TOO_LARGE_MESSAGE = "这条记录已经太大，无法再保存新的内容，请联系管理员"
SERVER_ERROR_MESSAGE = "服务器出错了，没有保存成功。错误已记录，请联系管理员"
SIGN_IN_MESSAGE = "请用有效的工作人员令牌登录（令牌不对、已过期或已停用）"
FORBIDDEN_MESSAGE = "您的令牌无权查看或修改这些记录"
CHANGED_MESSAGE = "这条记录刚被别人改过，请刷新后再改"
RECORD_NOT_FOUND_MESSAGE = "没有找到这条记录，可能已被删除"
TEAM_NOT_FOUND_MESSAGE = "没有这个服务队，服务队名单可能已更新，请刷新页面"
TOKEN_NOT_FOUND_MESSAGE = "没有这个令牌，请刷新列表后再试"
EXPORT_NOT_FOUND_MESSAGE = "没有找到这次导出，可能已过期（导出的文件只保留一天），请重新导出"
EXPORT_CONFLICT_MESSAGE = "这个导出编号已用于另一次导出，请刷新页面后重新导出"
OWN_TOKEN_MESSAGE = "不能停用您正在使用的令牌：请另一位管理员来停用，或者等它到期"
RETRY_AFTER_SECONDS = 3

_PAGE = """<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body>
<h1>{title}</h1>
{body}
<p><a href="{back}">返回修改</a>（也可以点浏览器的“返回”，已填的内容通常还在）</p>
</body>
</html>
"""


def responder_for(request, site_url: str) -> Responder:
    """Return the Responder for a request: pages for a plain form post, JSON for everything else."""
    return Responder(is_form_post(request.headers), site_url, request.headers.get("referer"))


class Responder:
    """Turns outcomes into answers in the format the client sent: JSON, or a form post."""

    def __init__(self, form_post: bool, site_url: str, referer: str | None = None) -> None:
        self.form_post = form_post
        self._site_url = site_url
        # Only a page of our own site is a safe place to send the member back to.
        self._back = referer if referer and referer.startswith(site_url) else site_url

    def saved(self, form: FormDef, result: SaveResult) -> Response:
        """Answer a stored (or repeated) submission: 201 or 200 JSON, or 303 to the thanks page."""
        body = {"id": result.id, **result.detail}
        if result.ticket:
            body["ticket"] = result.ticket
        if self.form_post:
            query = urlencode({"form": form.name, **body})
            return Response(body="", status_code=303, headers={"Location": f"{self._site_url}thanks/?{query}"})
        return Response(body=body, status_code=201 if result.created else 200)

    def invalid(self, errors: dict[str, str], form: FormDef | None = None) -> Response:
        """Answer 400 listing every field error (in the form's order on a page)."""
        if self.form_post:
            # The messages name each field's label; they come in the form's order.
            order = {field.name: index for index, field in enumerate(form.fields if form else ())}
            ordered = sorted(errors.items(), key=lambda pair: order.get(pair[0], len(order)))
            messages = dict.fromkeys(message for _, message in ordered)
            items = "".join(f"<li>{html.escape(message)}</li>" for message in messages)
            return self._page(400, SUMMARY_MESSAGE, f"<ul>{items}</ul>")
        return Response(body={"errors": errors, "message": SUMMARY_MESSAGE}, status_code=400)

    def problem(
        self, status: int, message: str, errors: dict[str, str] | None = None, headers: dict | None = None
    ) -> Response:
        """Answer an error: a message, and the errors by field if there are any."""
        headers = dict(headers or {})
        if status == 503:
            headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        if self.form_post:
            return self._page(status, "提交没有成功", f"<p>{html.escape(message)}</p>", headers)
        body: dict = {"message": message}
        if errors:
            body["errors"] = errors
        return Response(body=body, status_code=status, headers=headers)

    def _page(self, status: int, title: str, body: str, headers: dict | None = None) -> Response:
        text = _PAGE.format(title=html.escape(title), body=body, back=html.escape(self._back))
        return Response(
            body=text, status_code=status, headers={"Content-Type": "text/html; charset=utf-8", **(headers or {})}
        )
