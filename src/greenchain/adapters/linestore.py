"""The line store: the result lines of each calculation run as one immutable file, named by
the SHA-256 of its bytes, in a local folder, a shared filesystem or an object store.

Why: a run holds a line per purchase line and activity row, each with its lineage: tens of
millions for a large buyer. Kept as a blob in the database, every reader pulled the whole run
into memory; kept as rows, every run wrote them through the row store. As a Parquet file
(columnar, compressed, read column by column and row group by row group by DuckDB or Spark)
the lines are written once and read in part. The name is the content's hash, which the run's
ledger entry records, so checking a run's lines against tampering is hashing one file, and
the same bytes are never stored twice.

Where: ``GREENCHAIN_LINE_STORE``, a folder or an fsspec URL (``s3://bucket/lines``,
``gcs://...``, ``file:///mnt/shared/lines``); default a folder beside an SQLite workspace
(``<db>.lines``), else ``~/.local/share/greenchain/lines``. Files are spread over 256
sub-folders by the first two hex digits of their hash. Readers get a local path: the file
itself for a local store, else a copy in a local cache folder (a content-addressed file never
changes, so a cached copy is never stale).

Formats: ``parquet`` (every run calculated since this store exists) and ``arrow`` (the Arrow
IPC stream of a run calculated before, moved out of the database byte for byte: its ledger
entry vouches for those bytes).

Sources: Apache Parquet format specification (parquet.apache.org/docs/file-format);
fsspec (filesystem_spec.readthedocs.io).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import fsspec
from fsspec.implementations.local import LocalFileSystem

from greenchain.domain.errors import ConfigurationError, StoredFileError

#: File name endings of the formats a run's lines are stored in.
SUFFIXES = {"parquet": ".parquet", "arrow": ".arrows"}


def default_location(database_url: str) -> str:
    """Beside an SQLite workspace file (``<file>.lines``); else the user's data folder."""
    if database_url.startswith("sqlite"):
        file = database_url.split(":///", 1)[-1]
        if file and file != ":memory:" and not file.startswith("file:"):
            return f"{Path(file).expanduser()}.lines"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "greenchain" / "lines")


class LineStore:
    """Content-addressed line files at ``location`` (a folder or an fsspec URL)."""

    def __init__(self, location: str, cache_dir: Path | None = None) -> None:
        try:
            fs, root = fsspec.core.url_to_fs(location)
        except (ImportError, ValueError) as exc:
            raise ConfigurationError(
                f"GREENCHAIN_LINE_STORE '{location}' cannot be opened: {exc} (a folder, or a "
                "URL whose fsspec filesystem is installed, e.g. s3:// needs s3fs)"
            ) from None
        self.location = location
        self._fs = fs
        self._root = str(root).rstrip("/")
        self.local = isinstance(fs, LocalFileSystem)
        self._cache = cache_dir or Path(tempfile.gettempdir()) / "greenchain-line-cache"
        self._lock = threading.Lock()

    def _key(self, sha256: str, fmt: str) -> str:
        if fmt not in SUFFIXES:
            raise ValueError(f"unknown line file format '{fmt}'")
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"'{sha256}' is not a SHA-256 in hex")
        return f"{self._root}/{sha256[:2]}/{sha256}{SUFFIXES[fmt]}"

    def put_bytes(self, data: bytes | memoryview, fmt: str) -> str:
        """Store ``data`` (once: the same bytes are already there under the same name) and
        return its SHA-256. A local file is written beside its place and renamed into it, so
        a reader never sees half a file."""
        sha256 = hashlib.sha256(data).hexdigest()
        key = self._key(sha256, fmt)
        if self._fs.exists(key):
            return sha256
        if self.local:
            self._write_local(key, lambda out: out.write(data))
        else:
            self._fs.makedirs(key.rsplit("/", 1)[0], exist_ok=True)
            self._fs.pipe_file(key, bytes(data))
        return sha256

    def put_file(self, path: Path, fmt: str, *, move: bool = False) -> str:
        """Store the file at ``path`` (read in 1 MiB blocks to name it by its SHA-256, then
        copied) and return its SHA-256. ``move``: the file is not needed afterwards; in a local
        store on the same filesystem it is renamed into its place instead of copied."""
        digest = hashlib.sha256()
        with path.open("rb") as source:
            while block := source.read(1 << 20):
                digest.update(block)
            if move and self.local:
                os.fsync(source.fileno())  # on disk before it is named
        sha256 = digest.hexdigest()
        key = self._key(sha256, fmt)
        if self._fs.exists(key):
            return sha256
        if move and self.local:
            os.makedirs(key.rsplit("/", 1)[0], exist_ok=True)
            try:
                os.replace(path, key)
                os.chmod(key, 0o600)
                return sha256
            except OSError:  # another filesystem: copied below
                pass
        if self.local:

            def copy(out: BinaryIO) -> None:
                with path.open("rb") as source:
                    shutil.copyfileobj(source, out, 1 << 20)

            self._write_local(key, copy)
        else:
            self._fs.makedirs(key.rsplit("/", 1)[0], exist_ok=True)
            self._fs.put_file(str(path), key)
        return sha256

    @staticmethod
    def _write_local(key: str, write: Callable[[BinaryIO], object]) -> None:
        """Write a local file beside its place and rename it into it once on disk, so a
        reader never sees half a file."""
        parent = key.rsplit("/", 1)[0]
        os.makedirs(parent, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=parent, suffix=".partial")
        try:
            with os.fdopen(handle, "wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, key)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise

    def exists(self, sha256: str, fmt: str) -> bool:
        return bool(self._fs.exists(self._key(sha256, fmt)))

    def path(self, sha256: str, fmt: str) -> str:
        """A local path of the file (a checked cached copy when the store is remote)."""
        key = self._key(sha256, fmt)
        if self.local:
            if not os.path.exists(key):
                raise StoredFileError(
                    f"the line file {sha256[:12]}... is missing from the line store "
                    f"({self.location})"
                )
            return key
        cached = self._cache / sha256[:2] / f"{sha256}{SUFFIXES[fmt]}"
        if cached.exists():
            return str(cached)
        with self._lock:
            data = self.read_bytes(sha256, fmt)
            if hashlib.sha256(data).hexdigest() != sha256:
                raise StoredFileError(f"the line file {sha256[:12]}... does not match its name")
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(".partial")
            partial.write_bytes(data)
            partial.replace(cached)
        return str(cached)

    def read_bytes(self, sha256: str, fmt: str) -> bytes:
        key = self._key(sha256, fmt)
        try:
            return bytes(self._fs.cat_file(key))
        except FileNotFoundError:
            raise StoredFileError(
                f"the line file {sha256[:12]}... is missing from the line store ({self.location})"
            ) from None

    def file_sha256(self, sha256: str, fmt: str) -> str:
        """The SHA-256 of the stored file's bytes, read in 1 MiB blocks."""
        digest = hashlib.sha256()
        key = self._key(sha256, fmt)
        try:
            with self._fs.open(key, "rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
        except FileNotFoundError:
            raise StoredFileError(
                f"the line file {sha256[:12]}... is missing from the line store ({self.location})"
            ) from None
        return digest.hexdigest()
