"""Without chromium the browser tests skip saying why, unless CI requires them (then they fail)."""

from __future__ import annotations

import pytest

from tests.browser import chromium_executable


def test_missing_chromium_skips_with_the_reason(monkeypatch, tmp_path):
    monkeypatch.setenv("WINNOW_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.delenv("WINNOW_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="is not an executable"):
        chromium_executable()


def test_missing_chromium_fails_when_ci_requires_the_browser(monkeypatch, tmp_path):
    monkeypatch.setenv("WINNOW_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("WINNOW_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="WINNOW_REQUIRE_BROWSER=1 but"):
        chromium_executable()
