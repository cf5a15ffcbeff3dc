"""The admin-consent page (v1 ``/{tenant}/adminconsent`` and v2 ``/{tenant}/v2.0/adminconsent``):
Accept records consent for the app in the chosen tenant; both buttons redirect back."""

from __future__ import annotations

import html
from urllib.parse import urlencode

from sandbox.core import Request, Response
from sandbox.microsoft.directory import Directory
from sandbox.microsoft.identity import MULTI_TENANT
from sandbox.microsoft.state import App, Tenant


def consent_page(directory: Directory, request: Request, tenant: str) -> Response:
    params = {k: v[0] for k, v in request.query.items()}
    params.update(request.form() if request.method == "POST" else {})
    app = directory.apps.get(params.get("client_id", ""))
    redirect_uri = params.get("redirect_uri", "")
    if app is None:
        return _error_page(
            700016, f"Application with identifier '{params.get('client_id', '')}' was not found."
        )
    if not redirect_uri or (app.redirect_uris and redirect_uri not in app.redirect_uris):
        return _error_page(
            50011,
            f"The redirect URI '{redirect_uri}' specified in the request does not match the "
            f"redirect URIs configured for the application '{app.client_id}'.",
        )
    if tenant.lower() in MULTI_TENANT:
        candidates = list(directory.tenants.values())
    else:
        found = directory.find_tenant(tenant)
        if found is None:
            return _error_page(90002, f"Tenant '{tenant}' not found.")
        candidates = [found]
    if request.method == "GET":
        return _form(app, params, candidates)
    state = params.get("state", "")
    if params.get("action") != "accept":
        query = {
            "error": "access_denied",
            "error_subcode": "cancel",
            "error_description": "AADSTS65004: User declined to consent to access the app.",
            "admin_consent": "True",
            "state": state,
        }
        return Response.redirect(_join(redirect_uri, query))
    chosen = next(
        (t for t in candidates if t.id == params.get("tenant_id")),
        candidates[0] if candidates else None,
    )
    if chosen is None:
        return _error_page(90002, "No tenant to consent in.")
    directory.grant_consent(chosen.id, app.client_id)
    query = {"admin_consent": "True", "tenant": chosen.id, "state": state}
    if params.get("scope"):
        query["scope"] = params["scope"]
    return Response.redirect(_join(redirect_uri, query))


def _join(uri: str, query: dict[str, str]) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode(query)


def _error_page(code: int, message: str) -> Response:
    text = f"AADSTS{code}: {message}"
    return Response.html(
        f"<!doctype html><title>Sign in to your account</title><h1>Sorry, but we're having trouble "
        f"signing you in.</h1><p id='error'>{html.escape(text)}</p>",
        400,
    )


def _form(app: App, params: dict[str, str], tenants: list[Tenant]) -> Response:
    hidden = "".join(
        f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
        for k, v in params.items()
        if k != "action"
    )
    options = "".join(
        f"<option value='{t.id}'>{html.escape(t.domains[0] if t.domains else t.id)}</option>"
        for t in tenants
    )
    return Response.html(
        "<!doctype html><html><head><title>Permissions requested</title></head><body>"
        f"<h1>Permissions requested</h1><p><b id='app'>{html.escape(app.display_name)}</b> "
        f"({html.escape(app.client_id)}) wants to, for your whole organization:</p>"
        "<ul><li>Read and write contacts in all mailboxes</li>"
        "<li>Read and write calendars in all mailboxes</li><li>Read all users' full profiles</li></ul>"
        f"<form method='post'>{hidden}<label>Organization <select name='tenant_id'>{options}"
        "</select></label> <button id='accept' name='action' value='accept'>Accept</button> "
        "<button id='cancel' name='action' value='cancel'>Cancel</button></form></body></html>"
    )
