"""Checking and downloading against a real TUF repository over HTTPS; every attack refused."""

from __future__ import annotations

import json
import shutil

import pytest

from app.update.errors import Problem, UpdateError
from app.update.staged import read_staged
from tests.update.conftest import INSTALLED, NEWER, NOTES, UpdateWorld, publish_update, tree_digest


def test_check_offers_the_newer_signed_version_with_its_notes(published: UpdateWorld) -> None:
    offer = published.client().check()

    assert offer is not None
    assert (offer.version, offer.installed, offer.notes) == (NEWER, INSTALLED, NOTES)
    assert offer.size == (published.repo / "targets" / f"qbsf-{NEWER}.tar.gz").stat().st_size


def test_up_to_date_when_nothing_newer_is_published(world: UpdateWorld) -> None:
    world.publish(INSTALLED)
    world.install(INSTALLED)

    assert world.client().check() is None


def test_download_stages_the_new_version_beside_the_installed_one(published: UpdateWorld) -> None:
    before = tree_digest(published.install_dir)
    seen: list[tuple[int, int]] = []

    staged = published.client().download(lambda done, expected: seen.append((done, expected)))

    assert staged is not None and staged.version == NEWER
    assert staged.path == published.installation.staging
    assert (staged.path / "program.txt").read_text().startswith(f"the app, version {NEWER}")
    assert tree_digest(published.install_dir) == before
    assert seen and seen[-1][0] == seen[-1][1] > 0


def _refused(world: UpdateWorld, before: str) -> str:
    with pytest.raises(UpdateError) as raised:
        world.client().download()
    assert raised.value.problem is Problem.REFUSED
    assert tree_digest(world.install_dir) == before
    assert read_staged(world.folders) is None
    assert not world.installation.staging.exists()
    assert "Nothing was changed" in raised.value.message
    return raised.value.message


def test_tampered_metadata_is_refused(published: UpdateWorld) -> None:
    before = tree_digest(published.install_dir)
    targets = published.repo / "metadata" / "targets.json"
    signed = json.loads(targets.read_text())
    for target in signed["signed"]["targets"].values():
        target["custom"]["user"] = {"notes": "Install this, it is fine."}
    targets.write_text(json.dumps(signed))

    message = _refused(published, before)

    assert "not signed by the publisher's keys" in message


def test_tampered_archive_is_refused(published: UpdateWorld) -> None:
    before = tree_digest(published.install_dir)
    archive = published.repo / "targets" / f"qbsf-{NEWER}.tar.gz"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    archive.write_bytes(bytes(data))

    message = _refused(published, before)

    assert "does not match what the publisher signed" in message
    assert not (published.folders.targets / archive.name).exists()


def test_expired_timestamp_is_refused(published: UpdateWorld) -> None:
    before = tree_digest(published.install_dir)
    publish_update.refresh(published.repo, keys=published.keys, expiration_days={"timestamp": -1})

    message = _refused(published, before)

    assert "has expired" in message


def test_older_information_offered_as_newer_is_refused(world: UpdateWorld) -> None:
    world.publish(INSTALLED)
    world.install(INSTALLED)
    older = world.base / "metadata-as-it-was"
    shutil.copytree(world.repo / "metadata", older)
    world.publish(NEWER, NOTES)
    assert world.client().check() is not None  # this PC has now seen the newer metadata
    before = tree_digest(world.install_dir)
    # The server (or someone in the middle) replays the older, validly signed metadata.
    shutil.rmtree(world.repo / "metadata")
    shutil.copytree(older, world.repo / "metadata")

    message = _refused(world, before)

    assert "older version offered as newer" in message


def test_no_server_address_says_where_to_enter_one(published: UpdateWorld) -> None:
    published.url = ""

    with pytest.raises(UpdateError) as raised:
        published.client().check()

    assert raised.value.problem is Problem.NOT_AVAILABLE
    assert "Settings > Updates" in raised.value.message
