"""Publishing updates: a TUF repository folder (tufup) that any HTTPS server can serve as files.

    python installer/publish_update.py init    --repo DIR --keys KEYDIR
    python installer/publish_update.py add     --repo DIR --bundle dist/qbsf --version 1.2.0
                                               [--notes "What is new, in plain words"]
    python installer/publish_update.py refresh --repo DIR

`init` makes the four signing keys (root, targets, snapshot, timestamp) in KEYDIR and the first
signed metadata; ship REPO/metadata/root.json in the app as resources/update/root.json. `add`
archives a built bundle as qbsf-VERSION.tar.gz (plus a patch from the previous one), signs it into
targets, snapshot and timestamp. `refresh` signs the timestamp and snapshot again: run it at least
weekly, or clients refuse the repository as expired (the freeze-attack protection).

The private keys never live in this repository: a folder outside it (--keys, or
QBSF_UPDATE_KEYS_DIR), or the environment variables QBSF_UPDATE_KEY_ROOT / _TARGETS / _SNAPSHOT /
_TIMESTAMP holding a key file's content (CI secrets), written to a private temporary folder for the
run and removed after.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tufup.repo import Repository

APP_NAME = "qbsf"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUNDLE_INFO = "qbsf-bundle.json"
KEYS_DIR_ENV = "QBSF_UPDATE_KEYS_DIR"
KEY_ENV_PREFIX = "QBSF_UPDATE_KEY_"
ROLES = ("root", "targets", "snapshot", "timestamp")
#: Days each role's signature lasts; the timestamp is signed again by `refresh`.
EXPIRATION_DAYS = {"root": 365, "targets": 90, "snapshot": 30, "timestamp": 7}


class PublishError(Exception):
    pass


def repository(repo: Path, keys: Path, expiration_days: dict[str, int] | None = None) -> Repository:
    return Repository(
        app_name=APP_NAME,
        repo_dir=repo,
        keys_dir=keys,
        expiration_days={**EXPIRATION_DAYS, **(expiration_days or {})},
    )


@contextlib.contextmanager
def _scratch() -> Iterator[Path]:
    """tufup writes its config file into the working folder: a throwaway one."""
    # Its warnings are about that config file's relative paths, which nothing reads again.
    logging.getLogger("tufup.repo").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="qbsf-publish-") as folder, contextlib.chdir(folder):
        yield Path(folder)


def outside_project(keys: Path) -> Path:
    keys = keys.expanduser().resolve()
    if keys == PROJECT_ROOT or PROJECT_ROOT in keys.parents:
        raise PublishError(
            f"The signing keys must live outside the project folder ({PROJECT_ROOT}), so they "
            "can never be committed."
        )
    return keys


@contextlib.contextmanager
def key_folder(keys: Path | None) -> Iterator[Path]:
    """The folder holding the private keys: given, from QBSF_UPDATE_KEYS_DIR, or from key vars."""
    chosen = keys or (Path(os.environ[KEYS_DIR_ENV]) if os.environ.get(KEYS_DIR_ENV) else None)
    if chosen is not None:
        yield outside_project(chosen)
        return
    found = {role: os.environ.get(KEY_ENV_PREFIX + role.upper(), "") for role in ROLES}
    if not any(found.values()):
        raise PublishError(
            f"No signing keys: pass --keys, or set {KEYS_DIR_ENV}, or the "
            f"{KEY_ENV_PREFIX}<ROLE> variables."
        )
    with tempfile.TemporaryDirectory(prefix="qbsf-keys-") as folder:
        private = Path(folder)
        private.chmod(0o700)
        for role, content in found.items():
            if content:
                path = private / role
                path.write_text(content, encoding="utf-8")
                path.chmod(0o600)
        yield private


def init(repo: Path, keys: Path) -> Path:
    """New keys (unless KEYDIR has them) and the first signed metadata; the root file's path."""
    keys = outside_project(keys)
    keys.mkdir(parents=True, exist_ok=True)
    repo = repo.resolve()
    with _scratch():
        store = repository(repo, keys)
        store.initialize()
        store.publish_changes(private_key_dirs=[keys])
    return repo / "metadata" / "root.json"


def bundle_version(bundle: Path) -> str:
    for place in (bundle / "_internal" / BUNDLE_INFO, bundle / BUNDLE_INFO):
        if place.is_file():
            return str(json.loads(place.read_text(encoding="utf-8")).get("version", ""))
    return ""


def add(
    repo: Path,
    bundle: Path,
    version: str,
    *,
    notes: str = "",
    keys: Path | None = None,
    expiration_days: dict[str, int] | None = None,
) -> Path:
    """Adds the bundle as `version`, signed; the archive's path."""
    bundle, repo = bundle.resolve(), repo.resolve()
    if not bundle.is_dir():
        raise PublishError(f"No built bundle at {bundle}.")
    says = bundle_version(bundle)
    if says and says != version:
        raise PublishError(f"The bundle says it is version {says}, not {version}.")
    archive = repo / "targets" / f"{APP_NAME}-{version}.tar.gz"
    if archive.exists():
        raise PublishError(f"Version {version} is already published ({archive}).")
    with key_folder(keys) as private, _scratch() as scratch:
        labelled = scratch / "bundle"
        shutil.copytree(bundle, labelled, symlinks=True)
        inner = labelled / "_internal"
        (inner if inner.is_dir() else labelled).joinpath(BUNDLE_INFO).write_text(
            json.dumps({"version": version}), encoding="utf-8"
        )
        store = repository(repo, private, expiration_days)
        store._load_keys_and_roles(create_keys=False)  # what Repository.from_config does
        latest = store.roles.get_latest_archive()
        if latest is not None and not latest.version < _version(version):
            raise PublishError(
                f"Version {version} is not newer than the published {latest.version}."
            )
        # A patch needs the previous archive; a repository restored from the server's metadata
        # alone (CI) has none, and clients then download the whole archive.
        previous = latest is not None and (repo / "targets" / latest.path).is_file()
        store.add_bundle(
            new_bundle_dir=labelled,
            new_version=version,
            skip_patch=not previous,
            custom_metadata={"notes": notes},
        )
        store.publish_changes(private_key_dirs=[private])
    return archive


def refresh(
    repo: Path, *, keys: Path | None = None, expiration_days: dict[str, int] | None = None
) -> None:
    """Signs snapshot and timestamp again with fresh expiry dates (and a higher version)."""
    with key_folder(keys) as private, _scratch():
        store = repository(repo.resolve(), private, expiration_days)
        store._load_keys_and_roles(create_keys=False)
        for role in ("snapshot", "timestamp"):
            store.refresh_expiration_date(role)
        store.publish_changes(private_key_dirs=[private])


def _version(text: str):  # type: ignore[no-untyped-def]
    from packaging.version import Version

    return Version(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="publish_update", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("init", "add", "refresh"):
        command = commands.add_parser(name)
        command.add_argument("--repo", type=Path, required=True, help="the repository folder")
        command.add_argument("--keys", type=Path, help="the folder of private keys")
        if name == "add":
            command.add_argument("--bundle", type=Path, required=True)
            command.add_argument("--version", required=True)
            command.add_argument("--notes", default="", help="what is new, in plain words")
            command.add_argument("--notes-file", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "init":
            if args.keys is None:
                parser.error("init needs --keys, a folder outside the project")
            root = init(args.repo, args.keys)
            print(f"Repository ready. Ship {root} in the app as resources/update/root.json.")
        elif args.command == "add":
            notes = args.notes_file.read_text(encoding="utf-8") if args.notes_file else args.notes
            archive = add(args.repo, args.bundle, args.version, notes=notes, keys=args.keys)
            print(f"Published {archive}; copy {args.repo} to the update server.")
        else:
            refresh(args.repo, keys=args.keys)
            print(f"Signed {args.repo} again; copy its metadata to the update server.")
    except PublishError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
