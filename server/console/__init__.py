"""The web console: HTML pages over the GraphQL API, served by the same application."""

from __future__ import annotations

from server.console.pages import CONSOLE_PAGES, ConsolePage, console_routes, render_page

__all__ = ["CONSOLE_PAGES", "ConsolePage", "console_routes", "render_page"]
