"""Shared test set-up: where the corpus is, and how tests that need it skip (or fail in CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("BODYCAM_CORPUS", ROOT.parent / "shared" / "corpus"))
MEDIA = CORPUS / "media"
CAD = CORPUS / "cad"
GROUNDTRUTH = MEDIA / "_groundtruth"
SAMPLE_MEDIA = ROOT / "sample_media"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("corpus") and not CORPUS.is_dir():
        reason = f"the test corpus is not at {CORPUS} (clone ../shared beside the project)"
        if os.environ.get("BODYCAM_REQUIRE_CORPUS") == "1":
            pytest.fail(f"BODYCAM_REQUIRE_CORPUS=1 but {reason}")
        pytest.skip(reason)


def require_ffmpeg() -> None:
    """Skip the calling test when the ffmpeg CLI is absent (fail instead when BODYCAM_REQUIRE_CORPUS=1)."""
    import shutil

    if shutil.which("ffmpeg") is None:
        if os.environ.get("BODYCAM_REQUIRE_CORPUS") == "1":
            pytest.fail("BODYCAM_REQUIRE_CORPUS=1 but the ffmpeg CLI is not installed")
        pytest.skip("the ffmpeg CLI is not installed")
