"""Who is asking, and may they: sessions, roles, CSRF tokens, security headers.

Sessions are Starlette's signed cookies (itsdangerous); the session holds the
login name, its role and a CSRF token.  Every POST must carry that token (form
field ``csrf`` or header ``X-CSRF-Token``), or it is refused with 403.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse

from aquamon.web.accounts import new_csrf_token

ROLE_RANK = {"viewer": 1, "operator": 2}
# every asset is served by the app itself: nothing from elsewhere may run or load
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
           "Referrer-Policy": "same-origin"}


class LoginRequired(Exception):
    """No session: the page sends the browser to the login form."""


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = new_csrf_token()
    return str(token)


def user_of(request: Request, role: str = "viewer") -> dict[str, str]:
    """The logged-in user (name, role); raises :class:`LoginRequired` or 403 when ``role`` is not met.

    The role is looked up again in the accounts file (``request.app.state.roles``), so a removed
    or demoted login loses its rights at its next request, not when its cookie expires.
    """
    name = request.session.get("user")
    roles = getattr(request.app.state, "roles", None)
    have = roles(str(name)) if roles is not None and name else request.session.get("role")
    if not name or have not in ROLE_RANK:
        request.session.clear()
        raise LoginRequired()
    if ROLE_RANK[have] < ROLE_RANK[role]:
        raise HTTPException(403, f"{name} is a {have}: only an operator may do this")
    return {"name": str(name), "role": str(have)}


async def checked_form(request: Request) -> Any:
    """The POSTed form, once its CSRF token matches the session's; 403 otherwise."""
    form = await request.form()
    sent = str(form.get("csrf") or request.headers.get("x-csrf-token") or "")
    want = str(request.session.get("csrf") or "")
    if not want or not hmac.compare_digest(sent.encode(), want.encode()):
        raise HTTPException(403, "the form's security token is missing or stale: reload the page and try again")
    return form


def login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse("/login?next=" + request.url.path, status_code=303)


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")
