"""Headless Chromium for tests that look at what a person would see: the docs site and the report.

Debian's chromium (/usr/bin/chromium; .ci/run installs it) driven by Playwright with
executable_path, never a browser Playwright downloads. Every request that does not go to this
machine is aborted and recorded, so a test can assert that a page works offline.

Without chromium the browser tests skip, naming what is missing, unless WINNOW_REQUIRE_BROWSER=1
(.ci/run sets it): then they fail, so CI cannot pass without having looked.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import PROJECT_ROOT

# The flags the closed network needs: without the background-networking ones Chromium's own
# connections (component updates, sync, QUIC probes) are refused and slow the start.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def artifact_dir() -> Path:
    """Where screenshots go: $WINNOW_TEST_ARTIFACTS, else test-artifacts/ in the project (gitignored)."""
    directory = Path(os.environ.get("WINNOW_TEST_ARTIFACTS", PROJECT_ROOT / "test-artifacts"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def chromium_executable() -> str:
    """The chromium binary, or skip (fail under WINNOW_REQUIRE_BROWSER=1) saying what is missing."""
    override = os.environ.get("WINNOW_CHROMIUM")
    path = shutil.which(override) if override else shutil.which("chromium") or shutil.which("chromium-browser")
    problem = None
    if not path:
        problem = (
            f"WINNOW_CHROMIUM={override} is not an executable"
            if override
            else "no chromium on PATH (apt-get install chromium, or set WINNOW_CHROMIUM)"
        )
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "playwright is not installed (pip install -e '.[test]')"
    if problem:
        if os.environ.get("WINNOW_REQUIRE_BROWSER") == "1":
            pytest.fail(f"WINNOW_REQUIRE_BROWSER=1 but {problem}")
        pytest.skip(f"browser test skipped: {problem}")
    return path


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve a directory on a free localhost port; yields the base URL."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        thread.join()


@contextmanager
def chromium_page(width: int = 1600, height: int = 1000) -> Iterator[tuple[object, list[str]]]:
    """A fresh headless Chromium page (new profile) and the list of non-local requests it tried."""
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    blocked: list[str] = []

    def route(route, request) -> None:
        url = urlparse(request.url)
        if url.scheme in ("file", "data", "blob", "about") or url.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(request.url)
            route.abort()

    with sync_playwright() as playwright:
        # Playwright gives every launch a new temporary profile (user data dir).
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route("**/*", route)
            yield page, blocked
        finally:
            browser.close()
