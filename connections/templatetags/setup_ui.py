"""Small pieces of the Setup look shared by every page (also the status pages)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

_BADGE = {
    "verified": "slds-theme_success",
    "error": "slds-theme_error",
    "saved": "slds-theme_warning",
    "not_configured": "slds-badge_lightest",
}


@register.simple_tag(takes_context=True)
def nav_item(context: Any, url: str, label: str, exact: bool = False) -> SafeString:
    """One Setup navigation link, marked current when the page is under ``url``."""
    request = context.get("request")
    path = request.path if request is not None else ""
    current = path == url if exact else path.startswith(url)
    if current:
        return format_html(
            '<li class="slds-nav-vertical__item slds-is-active">'
            '<a class="slds-nav-vertical__action" href="{}" aria-current="page">{}</a></li>',
            url,
            label,
        )
    return format_html(
        '<li class="slds-nav-vertical__item">'
        '<a class="slds-nav-vertical__action" href="{}">{}</a></li>',
        url,
        label,
    )


_TONE = {
    "success": "slds-theme_success",
    "warning": "slds-theme_warning",
    "error": "slds-theme_error",
    "neutral": "slds-badge_lightest",
}


@register.simple_tag
def tone_badge(tone: str, text: object) -> SafeString:
    """A figure in a badge coloured by its tone (success, warning, error or neutral)."""
    return format_html(
        '<span class="slds-badge {}">{}</span>', _TONE.get(tone, _TONE["neutral"]), text
    )


@register.simple_tag
def status_badge(status: str, label: str) -> SafeString:
    return format_html(
        '<span class="slds-badge {}">{}</span>', _BADGE.get(status, "slds-badge_lightest"), label
    )
