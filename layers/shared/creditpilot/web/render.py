"""Render the portal's HTML templates. Every value is HTML-escaped unless passed as `Markup`."""

from __future__ import annotations

import html
from functools import lru_cache
from importlib import resources
from string import Template


class Markup(str):
    """Trusted HTML produced by our own code (never user input)."""


@lru_cache(maxsize=32)
def _template(name: str) -> Template:
    return Template(
        resources.files("creditpilot.web").joinpath("templates", name).read_text(encoding="utf-8")
    )


def _escape(value: object) -> str:
    if isinstance(value, Markup):
        return str(value)
    return html.escape("" if value is None else str(value), quote=True)


def render(template: str, **values: object) -> str:
    return _template(template).substitute({k: _escape(v) for k, v in values.items()})


NAV = (("/", "Home"), ("/loans/page", "Loans"), ("/savings/page", "Savings"))


def page(title: str, body: str | Markup, *, user: str | None = None, active: str = "") -> str:
    """The portal's common layout around a page body."""
    links = "".join(
        f'<a href="{href}"{" class=active" if href == active else ""}>{html.escape(label)}</a>'
        for href, label in NAV
    )
    account = (
        f'<span class="user">{html.escape(user)}</span> <button id="logout" type="button">Sign out</button>'
        if user
        else ""
    )
    return render("layout.html", title=title, body=Markup(body), nav=Markup(links), account=Markup(account))
