"""GraphiQL assets: the pinned npm packages hold the very files Strawberry's IDE page asks the CDN for."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
import strawberry

from server.assets import (
    GRAPHIQL_PACKAGES,
    VENDOR_DIRECTORY,
    AssetError,
    install_assets,
    local_asset_url,
    missing_packages,
)

_CDN_ASSET = re.compile(
    r'(?:src|href)="https://unpkg\.com/(?P<package>(?:@[^/"]+/)?[^/@"]+)@(?P<version>[^/"]+)/(?P<path>[^"]+)"'
    r'\s+integrity="(?P<integrity>[^"]+)"'
)


def _strawberry_page() -> str:
    return (Path(strawberry.__file__).parent / "static" / "graphiql.html").read_text(encoding="utf-8")


def test_every_cdn_asset_of_the_ide_page_is_installed_locally_with_a_matching_hash() -> None:
    references = list(_CDN_ASSET.finditer(_strawberry_page()))
    assert len(references) == 7
    for match in references:
        assert GRAPHIQL_PACKAGES[match["package"]] == match["version"]
        local = VENDOR_DIRECTORY / "node_modules" / match["package"] / match["path"]
        assert local.is_file(), f"{local} missing: run `labelops assets install`"
        algorithm, digest = match["integrity"].split("-", 1)
        assert base64.b64encode(hashlib.new(algorithm, local.read_bytes()).digest()).decode() == digest


def test_installing_again_does_nothing() -> None:
    report = install_assets()
    assert report.installed == ()
    assert len(report.already_present) == len(GRAPHIQL_PACKAGES)
    assert missing_packages() == []
    assert "already present" in report.describe()


def test_local_asset_url_mirrors_the_cdn_layout() -> None:
    assert local_asset_url("@graphiql/plugin-explorer", "dist/index.umd.js") == (
        "/static/vendor/node_modules/@graphiql/plugin-explorer/dist/index.umd.js"
    )
    with pytest.raises(ValueError, match="left-pad"):
        local_asset_url("left-pad", "index.js")


def test_missing_packages_lists_every_pin_for_an_empty_directory(tmp_path: Path) -> None:
    assert missing_packages(tmp_path) == [f"{name}@{version}" for name, version in GRAPHIQL_PACKAGES.items()]


def test_an_npm_that_cannot_start_is_reported_plainly(tmp_path: Path) -> None:
    with pytest.raises(AssetError, match="npm could not be started"):
        install_assets(tmp_path / "vendor", npm=str(tmp_path / "no-such-npm"))


def test_a_failing_npm_is_reported_with_its_last_lines(tmp_path: Path) -> None:
    npm = tmp_path / "npm"
    npm.write_text("#!/bin/sh\necho 'npm ERR! registry unreachable' >&2\nexit 1\n")
    npm.chmod(0o755)
    with pytest.raises(AssetError, match="registry unreachable"):
        install_assets(tmp_path / "vendor", npm=str(npm))
