"""Entra ID endpoints: OpenID discovery, the client-credentials token and admin consent."""

from __future__ import annotations

import base64
import binascii
import time
from urllib.parse import urlsplit

import jwt

from sandbox.core import Request, Response
from sandbox.microsoft.directory import GRAPH_RESOURCE, Directory
from sandbox.microsoft.errors import AADError
from sandbox.microsoft.state import App, Tenant

MULTI_TENANT = ("organizations", "common")
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
RESOURCES = (GRAPH_RESOURCE, "https://outlook.office365.com")
# Assertions are signed with the client's wall clock, not the emulator's movable one.
ASSERTION_SKEW = 300


def unknown_tenant(segment: str) -> AADError:
    return AADError(
        400,
        "invalid_request",
        90002,
        f"Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and "
        "are signing into the correct cloud. Check with your subscription administrator, this may "
        "happen if there are no active subscriptions for the tenant.",
    )


def discovery(directory: Directory, request: Request, tenant: str) -> Response:
    if tenant.lower() in MULTI_TENANT:
        segment, issuer_tid = tenant.lower(), "{tenantid}"
    else:
        found = directory.find_tenant(tenant)
        if found is None:
            error = unknown_tenant(tenant)
            return Response.json(
                {
                    "error": "invalid_tenant",
                    "error_description": f"AADSTS90002: {error.description}",
                },
                400,
            )
        segment = issuer_tid = found.id
    base = f"{request.base_url}/{segment}"
    return Response.json(
        {
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{base}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{request.base_url}/{issuer_tid}/v2.0",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"{request.base_url}/oidc/userinfo",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": urlsplit(request.base_url).netloc,
            "rbac_url": "https://pas.windows.net",
        }
    )


def token(directory: Directory, request: Request, tenant: str) -> Response:
    try:
        return _token(directory, request, tenant)
    except AADError as error:
        return error.response(directory.ids, directory.clock.now())


def _token(directory: Directory, request: Request, segment: str) -> Response:
    form = request.form()
    basic_id, basic_secret = _basic_auth(request.header("authorization"))
    client_id = form.get("client_id") or basic_id or ""
    if segment.lower() in MULTI_TENANT:
        raise AADError(
            400,
            "invalid_request",
            50059,
            "No tenant-identifying information found in either the request or implied by any "
            "provided credentials.",
        )
    tenant = directory.find_tenant(segment)
    if tenant is None:
        raise unknown_tenant(segment)
    if form.get("grant_type") != "client_credentials":
        raise AADError(
            400,
            "unsupported_grant_type",
            70003,
            f"The app requested an unsupported grant type '{form.get('grant_type', '')}'.",
        )
    resource = _resource(form.get("scope", ""))
    app = directory.apps.get(client_id)
    if app is None or not directory.consent_ready(tenant, client_id):
        raise AADError(
            400,
            "unauthorized_client",
            700016,
            f"Application with identifier '{client_id}' was not found in the directory "
            f"'{tenant.domains[0] if tenant.domains else tenant.id}'. This can happen if the "
            "application has not been installed by the administrator of the tenant or consented "
            "to by any user in the tenant. You may have sent your authentication request to the "
            "wrong tenant.",
        )
    secret = form.get("client_secret") or basic_secret
    if secret is not None:
        expiry = app.secret_expires_at
        if (
            app.secret is not None
            and secret == app.secret
            and expiry
            and expiry <= directory.clock.now()
        ):
            raise AADError(
                401,
                "invalid_client",
                7000222,
                f"The provided client secret keys for app '{client_id}' are expired. Visit the "
                "Azure portal to create new keys for your app or consider using certificate "
                "credentials for added security.",
            )
        if app.secret is None or secret != app.secret:
            raise AADError(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is "
                f"the client secret value, not the client secret ID, for a secret added to app "
                f"'{client_id}'.",
            )
    elif form.get("client_assertion_type") == JWT_BEARER and form.get("client_assertion"):
        _check_assertion(request, directory, tenant, app, form["client_assertion"])
    else:
        raise AADError(
            401,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.",
        )
    access_token, lifetime = directory.issue_token(tenant, client_id, resource)
    return Response.json(
        {
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access_token,
        },
        headers=[("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")],
    )


def _basic_auth(header: str | None) -> tuple[str | None, str | None]:
    if not header or not header.lower().startswith("basic "):
        return None, None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return user, password


def _resource(scope: str) -> str:
    scopes = scope.split()
    if len(scopes) != 1 or not scopes[0].endswith("/.default"):
        raise AADError(
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {scope} is not valid. Client credential flows must "
            "have a scope value with /.default suffixed to the resource identifier "
            "(application ID URI).",
        )
    resource = scopes[0][: -len("/.default")].rstrip("/")
    if resource not in RESOURCES:
        raise AADError(
            400,
            "invalid_resource",
            500011,
            f"The resource principal named {resource} was not found in the tenant. This can "
            "happen if the application has not been installed by the administrator of the tenant.",
        )
    return resource


def _check_assertion(
    request: Request, directory: Directory, tenant: Tenant, app: App, assertion: str
) -> None:
    def invalid(code: int, why: str) -> AADError:
        return AADError(401, "invalid_client", code, why)

    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError as exc:
        raise invalid(50027, f"JWT token is invalid or is malformed. ({exc})") from exc
    wanted = header.get("x5t#S256") or header.get("x5t") or ""
    field = "sha256" if "x5t#S256" in header else "sha1"
    try:
        thumbprint = base64.urlsafe_b64decode(wanted + "=" * (-len(wanted) % 4))
    except (binascii.Error, ValueError):
        thumbprint = b""
    cert = next((c for c in app.certificates if getattr(c, field) == thumbprint), None)
    if cert is None:
        raise invalid(
            700027,
            "Client assertion contains an invalid signature. [Reason - The key was not found., "
            f"Thumbprint of key used by client: '{thumbprint.hex().upper()}']",
        )
    if header.get("alg") not in ("RS256", "PS256"):
        raise invalid(
            5002738,
            f"Invalid JWT token. '{header.get('alg')}' is not a supported signature algorithm.",
        )
    try:
        claims = jwt.decode(
            assertion,
            cert.public_key,
            algorithms=[header["alg"]],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise invalid(
            700027,
            "Client assertion contains an invalid signature. [Reason - The signature is invalid.]",
        ) from exc
    if claims.get("iss") != app.client_id or claims.get("sub") != app.client_id:
        raise invalid(700023, "Client assertion audience claim does not match Realm issuer.")
    aud = urlsplit(str(claims.get("aud", "")))
    parts = aud.path.strip("/").split("/")
    aud_tenant = directory.find_tenant(parts[0]) if parts and parts[0] else None
    if (
        aud.netloc != urlsplit(request.base_url).netloc
        or "/".join(parts[1:]) not in ("oauth2/v2.0/token", "oauth2/token")
        or aud_tenant is not tenant
    ):
        raise invalid(
            700212,
            f"No matching federated identity record found for presented assertion audience '{claims.get('aud')}'.",
        )
    now = time.time()
    if (
        float(claims.get("exp", 0)) < now - ASSERTION_SKEW
        or float(claims.get("nbf", 0)) > now + ASSERTION_SKEW
    ):
        raise invalid(700024, "Client assertion is not within its valid time range.")
