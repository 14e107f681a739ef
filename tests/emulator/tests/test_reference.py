"""The reference data in tests/emulator/reference/ is what PROVENANCE.md says it is."""

from __future__ import annotations

import hashlib
import json

from conftest import EMULATOR_DIR, OPENAPI_PATH, REFERENCE_DIR

RECORDED_DIR = REFERENCE_DIR / "recorded"
LIBRARIES = {"octokit.rb": "octokit/octokit.rb", "github3.py": "sigmavirus24/github3.py", "github-api": "hub4j/github-api"}
REDACTED = b"Basic <REDACTED>"


def git_blob_id(data: bytes) -> str:
    """The id git gives a file's content (SHA-1 of ``blob <size>\\0`` and the bytes)."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data, usedforsecurity=False).hexdigest()


def test_reference_is_inside_the_repository() -> None:
    assert REFERENCE_DIR.resolve() == (EMULATOR_DIR / "reference").resolve()
    assert OPENAPI_PATH.resolve().parent == REFERENCE_DIR.resolve()
    assert (REFERENCE_DIR / "PROVENANCE.md").is_file()
    assert (REFERENCE_DIR / "CONTRACT.md").is_file()


def test_recordings_match_their_manifest_blobs() -> None:
    """Every stored file is the upstream git blob, except the octokit.rb cassettes with redacted Basic credentials."""
    index = {entry["file"] for entry in json.loads((RECORDED_DIR / "INDEX.json").read_text(encoding="utf-8"))}
    stored: set[str] = set()
    differing: list[str] = []
    for library, repository in LIBRARIES.items():
        for entry in json.loads((RECORDED_DIR / f"{library}.manifest.json").read_text(encoding="utf-8")):
            assert entry["repo"] == repository
            if "file" not in entry:
                assert entry["same_as"] in index
                continue
            data = (RECORDED_DIR / entry["file"]).read_bytes()
            stored.add(entry["file"])
            if git_blob_id(data) != entry["blob"]:
                differing.append(entry["file"])
                assert REDACTED in data, f"{entry['file']} differs from upstream blob {entry['blob']}"
    assert stored == index
    assert len(stored) == 163
    redacted = [file for file in stored if REDACTED in (RECORDED_DIR / file).read_bytes()]
    assert sorted(differing) == sorted(redacted)
    assert len(differing) == 58
    assert all(file.startswith("octokit.rb/") for file in differing)


def test_openapi_extract_names_its_source() -> None:
    info = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))["info"]
    assert info["x-source"]["repository"] == "github/rest-api-description"
    assert info["x-source"]["via"]["commit"] == "7afde56c6056c7fa1cbb8f8340594534ad0b3ed6"
    assert info["license"]["name"] == "MIT"
