"""A Software Heritage graph export built from real code: git repositories with one commit per
version of real packages (the versions this interpreter holds: installed, and vendored under pip
and setuptools), exported to the graph dataset's tables with git's own ids (a git blob or tree id
is the sha1_git Software Heritage uses), and a blob store of the files named by sha1_git.

Each origin has several visits: full ones, and a later partial one whose snapshot points
elsewhere, so only a reader that takes the latest *full* visit finds the expected head. Branch
layouts differ per origin (HEAD as an alias of main, main and master without HEAD, master alone),
and `expected_heads` says which commit each origin's traversal must reach."""

from __future__ import annotations

import copy
import hashlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
# (package, where each copy lives below site-packages): the installed copy and the vendored ones.
CANDIDATES = {
    "packaging": ["packaging", "pip/_vendor/packaging", "setuptools/_vendor/packaging"],
    "urllib3": ["urllib3", "pip/_vendor/urllib3"],
    "idna": ["idna", "pip/_vendor/idna"],
    "tomli": ["pip/_vendor/tomli", "setuptools/_vendor/tomli"],
    "certifi": ["certifi", "pip/_vendor/certifi"],
}
VERSION_FILES = ("__about__.py", "__version__.py", "_version.py", "package_data.py", "__init__.py")
VERSION_PATTERN = re.compile(r"""^__version__\s*(?::\s*str\s*)?=\s*(?:version\s*=\s*)?['"]([^'"]+)['"]""", re.M)
GIT_DATE = datetime(2024, 1, 1, tzinfo=UTC)


def _version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in re.split(r"[.+-]", version))


def package_version(directory: Path) -> str | None:
    for name in VERSION_FILES:
        path = directory / name
        if path.is_file():
            match = VERSION_PATTERN.search(path.read_text(encoding="utf-8", errors="replace"))
            if match:
                return match.group(1)
    return None


def real_package_versions(min_versions: int = 2) -> dict[str, list[tuple[str, Path]]]:
    """Per package, its distinct versions on this machine in version order (at least two each)."""
    found: dict[str, list[tuple[str, Path]]] = {}
    for package, places in CANDIDATES.items():
        versions: dict[str, Path] = {}
        for place in places:
            directory = SITE_PACKAGES / place
            version = package_version(directory) if directory.is_dir() else None
            if version and version not in versions:
                versions[version] = directory
        if len(versions) >= min_versions:
            found[package] = sorted(versions.items(), key=lambda item: _version_key(item[0]))
    return found


def _git(repo: Path, *args: str, date: datetime | None = None, text: bool = True):
    stamp = (date or GIT_DATE).strftime("%Y-%m-%dT%H:%M:%S+0000")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "winnow",
        "GIT_AUTHOR_EMAIL": "winnow@example.org",
        "GIT_COMMITTER_NAME": "winnow",
        "GIT_COMMITTER_EMAIL": "winnow@example.org",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_DATE": stamp,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(repo),
    }
    result = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=text, check=True)
    return result.stdout


def build_repository(repo: Path, package: str, versions: list[tuple[str, Path]]) -> list[str]:
    """A git repository with one commit per version (the package's tree at the top level);
    returns the commit ids in order."""
    repo.mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "main")
    commits = []
    for index, (version, directory) in enumerate(versions):
        for child in repo.iterdir():
            if child.name != ".git":
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        shutil.copytree(
            directory, repo / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"), dirs_exist_ok=True
        )
        _git(repo, "add", "-A")
        date = GIT_DATE + timedelta(days=index)
        _git(repo, "commit", "-q", "--allow-empty", "-m", f"{package} {version}", date=date)
        commits.append(_git(repo, "rev-parse", "HEAD").strip())
    return commits


def ls_tree_files(repo: Path, commit: str) -> dict[str, str]:
    """`git ls-tree -r` of a commit: path -> blob id (files and symlinks; submodules left out)."""
    files = {}
    for line in _git(repo, "ls-tree", "-r", "-z", "--full-tree", commit).split("\0"):
        if line:
            meta, path = line.split("\t", 1)
            _mode, kind, object_id = meta.split()
            if kind == "blob":
                files[path] = object_id
    return files


@dataclass
class Export:
    """Rows of each table, the blobs by sha1_git, and what the traversal must find per origin."""

    tables: dict[str, list[dict]] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)
    # origin url -> (repository, commit the head must resolve to, branch taken)
    expected_heads: dict[str, tuple[Path, str, str]] = field(default_factory=dict)

    def add(self, table: str, **row) -> None:
        self.tables.setdefault(table, []).append(row)


def _sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def _export_objects(export: Export, repo: Path, seen: set[str]) -> None:
    """Every commit, tree and blob of the repository as revision, directory, directory_entry and
    content rows, and every blob into the store, with git's ids."""
    listing = _git(repo, "cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)")
    for line in listing.splitlines():
        object_id, kind = line.split()
        if object_id in seen:
            continue
        seen.add(object_id)
        if kind == "commit":
            tree = _git(repo, "rev-parse", f"{object_id}^{{tree}}").strip()
            date = _git(repo, "show", "-s", "--format=%cI", object_id).strip()
            export.add("revision", id=object_id, date=datetime.fromisoformat(date), directory=tree, type="git")
        elif kind == "tree":
            export.add("directory", id=object_id)
            for entry in _git(repo, "ls-tree", "-z", object_id).split("\0"):
                if not entry:
                    continue
                meta, name = entry.split("\t", 1)
                mode, entry_kind, target = meta.split()
                export.add(
                    "directory_entry",
                    directory_id=object_id,
                    name=name.encode(),
                    type={"blob": "file", "tree": "dir", "commit": "rev"}[entry_kind],
                    target=target,
                    perms=int(mode, 8),
                )
        elif kind == "blob":
            data = subprocess.run(
                ["git", "-C", str(repo), "cat-file", "blob", object_id], capture_output=True, check=True
            ).stdout
            export.blobs[object_id] = data
            export.add(
                "content",
                sha1=hashlib.sha1(data).hexdigest(),
                sha1_git=object_id,
                sha256=hashlib.sha256(data).hexdigest(),
                blake2s256=hashlib.blake2s(data).hexdigest(),
                length=len(data),
                status="visible",
            )


def _snapshot(export: Export, branches: dict[str, tuple[str, str]]) -> str:
    """A snapshot of these branches (name -> (target, target_type)); its id, stable per content."""
    snapshot_id = _sha1(repr(sorted(branches.items())))
    if not any(row["snapshot_id"] == snapshot_id for row in export.tables.get("snapshot_branch", [])):
        for name, (target, target_type) in sorted(branches.items()):
            export.add(
                "snapshot_branch", snapshot_id=snapshot_id, name=name.encode(), target=target, target_type=target_type
            )
    return snapshot_id


# Per origin (in package order, cycling): the branches of its final full snapshot, given the
# first and last commits, and the branch the traversal must take.
LAYOUTS = (
    (
        "HEAD",
        lambda first, last: {
            "HEAD": ("refs/heads/main", "alias"),
            "refs/heads/main": (last, "revision"),
            "refs/heads/master": (first, "revision"),
        },
    ),
    (
        "refs/heads/main",
        lambda first, last: {
            "refs/heads/master": (first, "revision"),
            "refs/heads/main": (last, "revision"),
        },
    ),
    (
        "refs/heads/master",
        lambda first, last: {
            "refs/heads/master": (last, "revision"),
            "refs/heads/dev": (first, "revision"),
        },
    ),
    (
        "HEAD",
        lambda first, last: {
            "HEAD": (last, "revision"),
            "refs/heads/main": (first, "revision"),
        },
    ),
)


def build_export(workdir: Path, packages: dict[str, list[tuple[str, Path]]] | None = None) -> Export:
    """Repositories under workdir/git/, one origin each, exported to an Export."""
    if shutil.which("git") is None:
        raise RuntimeError("the Software Heritage fixtures build git repositories: install git")
    packages = packages or real_package_versions()
    export = Export()
    seen: set[str] = set()
    for index, (package, versions) in enumerate(sorted(packages.items())):
        repo = workdir / "git" / package
        commits = build_repository(repo, package, versions)
        _export_objects(export, repo, seen)
        url = f"https://git.example.org/{package}"
        origin = _sha1(url)
        export.add("origin", id=origin, url=url)
        branch, layout = LAYOUTS[index % len(LAYOUTS)]
        first, last = commits[0], commits[-1]
        visits = [
            # An early full visit (first version only), the final full one, then a partial one
            # that saw the first version again: the latest full visit is the one to take.
            ("full", {"refs/heads/main": (first, "revision"), "HEAD": ("refs/heads/main", "alias")}),
            ("full", layout(first, last)),
            ("partial", {"HEAD": (first, "revision"), "refs/heads/main": (first, "revision")}),
        ]
        for number, (status, branches) in enumerate(visits, start=1):
            snapshot = _snapshot(export, branches)
            date = GIT_DATE + timedelta(days=30 + number)
            export.add("origin_visit", origin=origin, visit=number, date=date, type="git")
            export.add(
                "origin_visit_status",
                origin=origin,
                visit=number,
                date=date,
                status="created",
                snapshot=None,
                type="git",
            )
            export.add(
                "origin_visit_status",
                origin=origin,
                visit=number,
                date=date + timedelta(hours=1),
                status=status,
                snapshot=snapshot,
                type="git",
            )
        export.expected_heads[url] = (repo, last, branch)
    return export


SCHEMAS = {
    "origin": pa.schema([("id", pa.string()), ("url", pa.string())]),
    "origin_visit": pa.schema(
        [("origin", pa.string()), ("visit", pa.int64()), ("date", pa.timestamp("us", tz="UTC")), ("type", pa.string())]
    ),
    "origin_visit_status": pa.schema(
        [
            ("origin", pa.string()),
            ("visit", pa.int64()),
            ("date", pa.timestamp("us", tz="UTC")),
            ("status", pa.string()),
            ("snapshot", pa.string()),
            ("type", pa.string()),
        ]
    ),
    "snapshot_branch": pa.schema(
        [("snapshot_id", pa.string()), ("name", pa.binary()), ("target", pa.string()), ("target_type", pa.string())]
    ),
    "revision": pa.schema(
        [("id", pa.string()), ("date", pa.timestamp("us", tz="UTC")), ("directory", pa.string()), ("type", pa.string())]
    ),
    "directory": pa.schema([("id", pa.string())]),
    "directory_entry": pa.schema(
        [
            ("directory_id", pa.string()),
            ("name", pa.binary()),
            ("type", pa.string()),
            ("target", pa.string()),
            ("perms", pa.int32()),
        ]
    ),
    "content": pa.schema(
        [
            ("sha1", pa.string()),
            ("sha1_git", pa.string()),
            ("sha256", pa.string()),
            ("blake2s256", pa.string()),
            ("length", pa.int64()),
            ("status", pa.string()),
        ]
    ),
}


def write_export(export: Export, root: Path, blob_store: Path, files_per_table: int = 2) -> None:
    """The tables as root/<table>/part-N.parquet (several files each, as the dataset ships), and the
    blobs as blob_store/<first two hex digits>/<sha1_git>."""
    for table, schema in SCHEMAS.items():
        rows = export.tables.get(table, [])
        (root / table).mkdir(parents=True, exist_ok=True)
        size = max(1, -(-len(rows) // files_per_table))
        for part in range(files_per_table):
            chunk = rows[part * size : (part + 1) * size]
            pq.write_table(pa.Table.from_pylist(chunk, schema=schema), root / table / f"part-{part}.parquet")
    for sha1_git, data in export.blobs.items():
        path = blob_store / sha1_git[:2] / sha1_git
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def broken_export(export: Export) -> tuple[Export, str]:
    """The export with one blob of the first origin's head missing, a dangling directory entry in
    the second origin's root and, in a subdirectory of the third, an entry naming its own root;
    and the missing blob's id."""
    bad = copy.deepcopy(export)
    heads = list(export.expected_heads.values())
    repo, commit, _ = heads[0]
    # Not the empty blob: that one is known by its id without a store.
    missing_blob = next(blob for _, blob in sorted(ls_tree_files(repo, commit).items()) if export.blobs[blob])
    del bad.blobs[missing_blob]

    def root_of(head):
        _repo, commit, _ = head
        return next(row["directory"] for row in export.tables["revision"] if row["id"] == commit)

    dangling_root = root_of(heads[1])
    bad.add(
        "directory_entry",
        directory_id=dangling_root,
        name=b"ghost",
        type="dir",
        target=hashlib.sha1(b"not in the export").hexdigest(),
        perms=0o40000,
    )
    cycle_root = root_of(heads[2])
    subdirectory = next(
        row["target"]
        for row in export.tables["directory_entry"]
        if row["directory_id"] == cycle_root and row["type"] == "dir"
    )
    bad.add("directory_entry", directory_id=subdirectory, name=b"loop", type="dir", target=cycle_root, perms=0o40000)
    return bad, missing_blob


def stack_v2_rows(export: Export, license_id: str) -> list[dict]:
    """The Stack v2's metadata layout for every file of every origin head."""
    rows = []
    for url, (repo, commit, _) in export.expected_heads.items():
        for path, blob_id in sorted(ls_tree_files(repo, commit).items()):
            rows.append(
                {
                    "blob_id": blob_id,
                    "directory_id": None,
                    "path": "/" + path,
                    "content_id": None,
                    "detected_licenses": [license_id],
                    "license_type": "permissive",
                    "repo_name": url.rsplit("/", 1)[-1] + "/" + url.rsplit("/", 1)[-1],
                    "snapshot_id": None,
                    "revision_id": commit,
                    "branch_name": "refs/heads/main",
                    "language": "Python" if path.endswith(".py") else None,
                }
            )
    return rows


if __name__ == "__main__":
    for name, found in real_package_versions().items():
        print(name, [version for version, _ in found], file=sys.stderr)
