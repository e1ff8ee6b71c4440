"""The operator console's routes: request in, response out, independent of the HTTP server that carries them
(scripts/web.py hands it every /admin request).

Every route but the sign-in page and the style sheet needs a signed-in session; every POST also needs the
session's CSRF token (the sign-in form a token of its own, double-submitted in a cookie). Pages are Jinja2
templates (autoescaped) in templates/, served with a Content-Security-Policy that allows no script at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape

from actions.complaints import store

from . import events, insight, notify, reports
from .auth import COOKIE, OperatorSession, Sessions, SignInLimiter, configured_token, csrf_ok, token_matches

HERE = Path(__file__).resolve().parent
AUDIT_ACTIONS = {"status": "改状态", "reveal": "查看联系方式", "merge": "合并"}
DISTRICT_NAMES = ("金坛区", "武进区", "新北区", "天宁区", "钟楼区", "溧阳市", "经开区")
LOGIN_COOKIE = "console_login"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)       # lower-case names
    client: str = ""
    session: OperatorSession | None = None
    sid: str | None = None

    def cookie(self, name: str) -> str | None:
        jar = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except Exception:                                        # a malformed Cookie header: no cookies
            return None
        return jar[name].value if name in jar else None


@dataclass
class Response:
    status: int
    body: bytes
    ctype: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    handler: str                 # the Console method's name
    public: bool = False


def route(method: str, path: str, handler: str, public: bool = False) -> Route:
    return Route(method, re.compile("^" + path.replace("<number>", r"(?P<number>[A-Za-z0-9-]{1,30})")
                                    .replace("<id>", r"(?P<id>[a-z0-9-]{1,64})") + "$"), handler, public)


ROUTES = [
    route("GET", "/admin/login", "login_page", public=True),
    route("POST", "/admin/login", "login", public=True),
    route("GET", "/admin/console.css", "stylesheet", public=True),
    route("GET", "/admin", "home"),
    route("GET", "/admin/", "home"),
    route("POST", "/admin/logout", "logout"),
    route("GET", "/admin/reports", "report_list"),
    route("GET", "/admin/reports.csv", "report_csv"),
    route("GET", "/admin/reports/<number>", "report_page"),
    route("POST", "/admin/reports/<number>/status", "change_status"),
    route("POST", "/admin/reports/<number>/reveal", "reveal"),
    route("POST", "/admin/reports/<number>/merge", "merge"),
    route("GET", "/admin/audit", "audit_page"),
    route("GET", "/admin/insight", "insight_page"),
    route("GET", "/admin/events", "event_list"),
    route("GET", "/admin/events/new", "new_event_page"),
    route("POST", "/admin/events/new", "create_event"),
    route("GET", "/admin/events/<id>", "edit_event_page"),
    route("POST", "/admin/events/<id>", "update_event"),
    route("POST", "/admin/events/<id>/close", "close_event"),
]


class Console:
    """The console of one web server: its sessions, sign-in limiter and templates."""

    routes: list[Route] = ROUTES

    def __init__(self, rasa_urls: list[str], feedback_db: Path, secure_cookie: bool = False):
        self.rasa_urls = rasa_urls
        self.feedback_db = feedback_db
        self.secure_cookie = secure_cookie
        self.sessions = Sessions()
        self.limiter = SignInLimiter()
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)

    # --- dispatch -----------------------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if not configured_token():
            return self.page("message.html", {"title": "控制台未启用",
                                              "text": "请设置环境变量 OPERATOR_TOKEN 后重新启动网页服务。"}, 503)
        matched = [(r, m) for r in self.routes if (m := r.pattern.match(request.path))]
        if not matched:
            return self.page("message.html", {"title": "页面不存在", "text": "没有这个页面。"}, 404)
        method = "GET" if request.method == "HEAD" else request.method
        chosen = next(((r, m) for r, m in matched if r.method == method), None)
        if chosen is None:
            return self.page("message.html", {"title": "不支持的请求", "text": "这个页面不接受这种请求。"}, 405,
                             [("Allow", ", ".join(sorted({r.method for r, _ in matched})))])
        r, m = chosen
        if not r.public:
            request.sid = request.cookie(COOKIE)
            request.session = self.sessions.get(request.sid)
            if request.session is None:
                if request.method in ("GET", "HEAD"):
                    return self.redirect("/admin/login?next=" + quote(request.path))
                return self.page("message.html", {"title": "请先登录", "text": "登录已过期或尚未登录，请重新登录。"},
                                 403)
            if request.method == "POST" and not csrf_ok(request.session, request.form.get("csrf")):
                return self.refused_form()
        if request.method == "POST" and not self._same_origin(request):
            return self.refused_form()
        return getattr(self, r.handler)(request, **m.groupdict())

    @staticmethod
    def _same_origin(request: Request) -> bool:
        """False for a POST that names another origin. Browsers send `Origin: null` under the server's
        Referrer-Policy no-referrer, so a missing or null origin is left to the CSRF token."""
        origin = request.headers.get("origin")
        if not origin or origin == "null":
            return True
        return origin.split("://", 1)[-1] == request.headers.get("host", "")

    # --- responses ----------------------------------------------------------------------------------------

    def page(self, template: str, context: dict, status: int = 200, headers: list | None = None,
             request: Request | None = None) -> Response:
        session = request.session if request else None
        flash = None
        if session is not None and session.flash:
            flash, session.flash = session.flash, None
        html = self.templates.get_template(template).render(session=session, flash=flash, actions=AUDIT_ACTIONS,
                                                            **context)
        return Response(status, html.encode("utf-8"), headers=list(headers or []))

    @staticmethod
    def redirect(location: str, headers: list | None = None) -> Response:
        return Response(303, b"", "text/plain; charset=utf-8", [("Location", location), *(headers or [])])

    def refused_form(self) -> Response:
        return self.page("message.html", {"title": "表单已失效",
                                          "text": "表单校验失败（可能已过期或来自其他网站），请返回页面刷新后重试。"}, 403)

    # --- sign-in ------------------------------------------------------------------------------------------

    def login_page(self, request: Request, error: str | None = None, status: int = 200,
                   operator: str = "") -> Response:
        import secrets
        token = secrets.token_urlsafe(24)
        cookie = f"{LOGIN_COOKIE}={token}; Path=/admin/login; HttpOnly; SameSite=Strict"
        nxt = request.query.get("next") or request.form.get("next") or "/admin/reports"
        return self.page("login.html", {"csrf": token, "error": error, "operator": operator,
                                        "next": nxt if nxt.startswith("/admin") else "/admin/reports"},
                         status, [("Set-Cookie", cookie + ("; Secure" if self.secure_cookie else ""))])

    def login(self, request: Request) -> Response:
        presented = request.form.get("csrf") or ""
        expected = request.cookie(LOGIN_COOKIE) or ""
        if not presented or not expected or not csrf_ok(OperatorSession("", csrf=expected), presented):
            return self.refused_form()
        operator = (request.form.get("operator") or "").strip()
        wait = self.limiter.wait_seconds(request.client)
        if wait:
            return self.login_page(request, f"错误次数过多，请 {wait} 秒后再试。", 429, operator)
        if not operator or len(operator) > 50:
            return self.login_page(request, "请填写操作员姓名或工号（最多50字），用于操作记录。", 400, operator)
        if not token_matches(request.form.get("token") or ""):
            self.limiter.failed(request.client)
            return self.login_page(request, "令牌不正确。", 401, operator)
        self.limiter.succeeded(request.client)
        sid, _ = self.sessions.start(operator)
        nxt = request.form.get("next") or "/admin/reports"
        return self.redirect(nxt if nxt.startswith("/admin") and "//" not in nxt else "/admin/reports",
                             [("Set-Cookie", self.sessions.cookie(sid, self.secure_cookie))])

    def logout(self, request: Request) -> Response:
        self.sessions.end(request.sid)
        return self.redirect("/admin/login", [("Set-Cookie", self.sessions.cleared_cookie())])

    def stylesheet(self, request: Request) -> Response:
        return Response(200, (HERE / "console.css").read_bytes(), "text/css; charset=utf-8")

    def home(self, request: Request) -> Response:
        return self.redirect("/admin/reports")

    # --- reports ------------------------------------------------------------------------------------------

    def report_list(self, request: Request) -> Response:
        filters = reports.Filters.parse(request.query)
        page = reports.queue(filters)
        return self.page("reports.html", {"filters": filters, "result": page, "statuses": store.ALL_STATUSES,
                                          "types": reports.TYPES, "districts": list(reports.DISTRICTS)},
                         request=request)

    def report_csv(self, request: Request) -> Response:
        filters = reports.Filters.parse(request.query)
        body = reports.csv_text(filters).encode("utf-8")
        return Response(200, body, "text/csv; charset=utf-8",
                        [("Content-Disposition", 'attachment; filename="reports.csv"')])

    def report_page(self, request: Request, number: str, status: int = 200, error: str | None = None,
                    revealed: str | None = None, form: dict | None = None) -> Response:
        found = reports.detail(number)
        if found is None:
            return self.page("message.html", {"title": "没有这条举报", "text": f"没有编号为 {number} 的举报。"}, 404,
                             request=request)
        return self.page("report.html", {"d": found, "error": error, "revealed": revealed, "form": form or {},
                                         "statuses": store.ALL_STATUSES, "describe": notify.describe},
                         status, request=request)

    def change_status(self, request: Request, number: str) -> Response:
        status, note = request.form.get("status", ""), request.form.get("note", "")
        try:
            store.set_status(number, status, note, operator=request.session.operator)
        except store.StoreError as exc:
            return self.report_page(request, number, 400, str(exc), form=request.form)
        handed = notify.deliver_wechat(self.rasa_urls)
        request.session.flash = f"已改为“{status}”，已通知举报人。" if handed else f"已改为“{status}”，通知将在举报人下次使用时送达。"
        return self.redirect(f"/admin/reports/{quote(store.normalise_number(number))}")

    def reveal(self, request: Request, number: str) -> Response:
        try:
            contact = store.reveal_contact(number, request.session.operator)
        except store.StoreError as exc:
            return self.page("message.html", {"title": "没有这条举报", "text": str(exc)}, 404, request=request)
        shown = "匿名" if contact is None or contact.anonymous else contact.phone
        return self.report_page(request, number, revealed=shown)

    def merge(self, request: Request, number: str) -> Response:
        into = store.normalise_number(request.form.get("into", ""))
        try:
            store.merge(number, into, request.session.operator)
        except store.StoreError as exc:
            return self.report_page(request, number, 400, str(exc), form=request.form)
        notify.deliver_wechat(self.rasa_urls)
        request.session.flash = f"已合并到 {into}，之后它的状态变更会同步到这条举报。"
        return self.redirect(f"/admin/reports/{quote(store.normalise_number(number))}")

    def audit_page(self, request: Request) -> Response:
        return self.page("audit.html", {"entries": reports.recent_audit()}, request=request)

    # --- insight --------------------------------------------------------------------------------------------

    def insight_page(self, request: Request) -> Response:
        from knowledge.activities import ActivitiesError, load
        try:
            titles = {a.id: a.title for a in load().events}
        except (ActivitiesError, OSError):
            titles = {}
        found = insight.gather(self.feedback_db, titles)
        share = [(day, round(100 * refused / asked, 1) if asked else 0,
                  f"{refused}/{asked}" if asked else "无提问") for day, asked, refused in found.refusal_days]
        return self.page("insight.html", {"i": found, "share": share}, request=request)

    # --- operator events ------------------------------------------------------------------------------------

    def event_list(self, request: Request) -> Response:
        try:
            in_file, file_error = events.file_events(), None
        except Exception as exc:                  # the file itself is broken: say so, still list the console's
            in_file, file_error = [], str(exc)
        return self.page("events.html", {"mine": store.operator_events(include_closed=True), "in_file": in_file,
                                         "file_error": file_error}, request=request)

    def _event_form(self, request: Request, item: dict, editing: str | None, errors: list[str] | None = None,
                    status: int = 200) -> Response:
        return self.page("event_form.html", {"item": item, "editing": editing, "errors": errors or [],
                                             "districts": DISTRICT_NAMES}, status, request=request)

    def new_event_page(self, request: Request) -> Response:
        return self._event_form(request, {}, None)

    def edit_event_page(self, request: Request, id: str) -> Response:  # noqa: A002 (the route's name)
        row = next((e for e in store.operator_events() if e.id == id), None)
        if row is None:
            return self.page("message.html", {"title": "没有这个活动", "text": f"没有可修改的活动 {id}。"}, 404,
                             request=request)
        return self._event_form(request, store.event_item(row), id)

    def _save_event(self, request: Request, editing: str | None) -> Response:
        item = events.item_from_form(request.form)
        if editing:
            item["id"] = editing
        errors = events.problems(item, editing)
        if not errors:
            try:
                store.save_event(item, request.session.operator, new=editing is None)
            except store.StoreError as exc:
                errors = [str(exc)]
        if errors:
            return self._event_form(request, {k: request.form.get(k, "") for k in store.EVENT_FIELDS} | (
                {"id": editing} if editing else {}), editing, errors, 400)
        request.session.flash = f"活动“{item['title']}”已保存，助手马上就能介绍它、接受报名。"
        return self.redirect("/admin/events")

    def create_event(self, request: Request) -> Response:
        return self._save_event(request, None)

    def update_event(self, request: Request, id: str) -> Response:  # noqa: A002
        return self._save_event(request, id)

    def close_event(self, request: Request, id: str) -> Response:  # noqa: A002
        try:
            store.close_event(id, request.session.operator)
        except store.StoreError as exc:
            return self.page("message.html", {"title": "无法关闭", "text": str(exc)}, 404, request=request)
        request.session.flash = f"活动 {id} 已关闭：助手不再介绍它，也不再接受报名（已有报名保留）。"
        return self.redirect("/admin/events")
