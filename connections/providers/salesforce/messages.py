"""Plain-language explanations of Salesforce login and REST failures: what is wrong and what the
admin must do. Used by the Test Connection steps and by the sync stores' errors."""

from __future__ import annotations

from connections.providers.salesforce.client import LoginError, SalesforceError

PREAUTHORIZE = (
    "In Salesforce Setup, open the connected app's policies (Manage Connected Apps > Edit "
    "Policies), set Permitted Users to 'Admin approved users are pre-authorized' and add the "
    "user's profile or a permission set the user has."
)


def explain_login(error: LoginError, username: str, login_url: str) -> str:
    code, description = error.code, error.message.lower()
    if code == "invalid_client_id":
        return (
            "Salesforce does not know the consumer key. Copy the Consumer Key from the connected "
            "app (Setup > App Manager > View > Manage Consumer Details) into lsync's Salesforce "
            "setup; a new connected app can take up to 10 minutes to become usable."
        )
    if code == "invalid_app_access" or "admin approved" in description:
        return f"The user {username} is not pre-authorized for the connected app. {PREAUTHORIZE}"
    if code == "inactive_user" or "inactive" in description:
        return (
            f"The Salesforce user {username} is deactivated. Reactivate the user in Setup > "
            "Users, or remove the user from sync."
        )
    if code == "invalid_grant" and "hasn't approved" in description:
        return (
            f"Salesforce refused {username}: either no user has that username at {login_url} "
            f"(check the login URL: sandboxes use https://test.salesforce.com), or the user has "
            f"not approved the app. {PREAUTHORIZE}"
        )
    if code == "invalid_grant" and "audience" in description:
        return (
            f"Salesforce did not accept {login_url} as the login address. Use "
            "https://login.salesforce.com for production, https://test.salesforce.com for a "
            "sandbox, or your Experience Cloud site's URL."
        )
    if code == "invalid_grant" and "expired" in description:
        return (
            "Salesforce says the login request has expired: this server's clock is probably "
            "wrong. Synchronize it (NTP) and try again."
        )
    if code == "invalid_grant" and "assertion" in description:
        return (
            "Salesforce could not verify the signature: the private key stored in lsync does not "
            "belong to the certificate uploaded to the connected app ('Use digital signatures'). "
            "Upload the certificate that matches the key, or store the matching key."
        )
    if code == "invalid_private_key":
        return (
            "The private key stored in lsync cannot sign the login request. Upload the connected "
            "app's private key again (an unencrypted PEM RSA key)."
        )
    if code.startswith("http_"):
        return (
            f"{login_url} did not answer like a Salesforce login server (HTTP "
            f"{error.status}). Check the login URL: https://login.salesforce.com for "
            "production, https://test.salesforce.com for a sandbox, or your My Domain URL."
        )
    if code == "unreachable":
        return (
            f"lsync could not reach {login_url}. Check the login URL, the proxy and the "
            "firewall, and that the server trusts the certificate."
        )
    return f"Salesforce refused the login for {username}: {error.code} ({error.message})."


def explain_rest(error: SalesforceError) -> str:
    code = error.code
    if code == "REQUEST_LIMIT_EXCEEDED":
        return (
            "The org has used up its API request allowance; sync resumes when Salesforce frees "
            f"requests ({error.message})."
        )
    if code in ("API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED"):
        return (
            "The REST API is not enabled for this org or user. Give the user's profile the "
            "'API Enabled' permission (and use an edition with API access)."
        )
    if code.startswith("INSUFFICIENT_ACCESS"):
        return (
            "The user lacks the access this needs. Give the user's profile or a permission set "
            f"read and edit rights on contacts and events ({error.message})."
        )
    if code == "INVALID_SESSION_ID":
        return "Salesforce ended the session and a fresh login did not help; test the connection."
    return f"Salesforce answered {code}: {error.message}"
