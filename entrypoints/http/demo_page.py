"""`/demo/`: the frontend's flow as a page (with `NOTIFICATIONS_DEMO=true`).

Plain HTML, CSS and an ES module from `demo/`, served as they are: no build step, no CDN. The
page calls the public API only, from the browser, as any frontend does (through CORS when the API
is on another origin). Its Content-Security-Policy lets it load nothing but its own files and
connect to nothing but its own origin and `NOTIFICATIONS_DEMO_API_ORIGINS`.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Response, Router
from litestar.datastructures import CacheControlHeader
from litestar.static_files import create_static_files_router

PATH = "/demo"
FILES = Path(__file__).parent / "demo"


def demo_routes(api_origins: tuple[str, ...]) -> Router:
    """The page's files under `/demo/` (`index.html` at `/demo/`), with security headers."""
    headers = {
        "Content-Security-Policy": content_security_policy(api_origins),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }

    def secured(response: Response[object]) -> Response[object]:
        response.headers.update(headers)
        return response

    return create_static_files_router(
        PATH,
        [FILES],
        html_mode=True,
        name="demo",
        after_request=secured,
        cache_control=CacheControlHeader(no_cache=True),
        include_in_schema=False,
    )


def content_security_policy(api_origins: tuple[str, ...]) -> str:
    """Only the page's own files; `fetch` to its own origin and the API origins (CSP Level 3)."""
    connect = " ".join(["'self'", *api_origins])
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        f"connect-src {connect}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
