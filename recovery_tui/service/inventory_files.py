"""Inventory reports: read a manifest, fetch and verify its files, check their columns (facts §23.3).

A run's report is accepted only when the manifest says `completed` without partial results and every
file arrives with the size and MD5 the manifest lists. Files are fetched through the site's signed
client (streamed to a local work folder, MD5 computed on the way; never through a DuckDB extension)
or read from a local copy (`--source-manifest path/manifest.json`: the files are looked up next to it,
under `files/` or beside it). A `.zst` file is decompressed locally (pyarrow's ZSTD codec).

Columns are mapped by name, case-insensitively, never by position: the comparison needs Key,
VersionID (or VersionId), IsDeleteMarker, IsLatest, Size and ETag. A file without one of them is "of
another schema"; it and any file that is missing or fails its size/MD5 check are left out, and the
side is marked incomplete with the reason (the comparison then says UNKNOWN, never "missing").
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

import urllib3

from .errmap import connection_failure
from .errors import NotFound, RecoveryError
from .listing import Cancelled

REQUIRED = {"key": ("key",), "vid": ("versionid",), "dm": ("isdeletemarker",), "latest": ("islatest",),
            "size": ("size",), "etag": ("etag",)}
"""Canonical column → accepted names (lower-case): `VersionID` (SDK docs) and AWS's `VersionId` both match."""
NAMES = {"key": "Key", "vid": "VersionID", "dm": "IsDeleteMarker", "latest": "IsLatest", "size": "Size",
         "etag": "ETag"}


@dataclass(frozen=True)
class ManifestFile:
    key: str
    size: int
    md5: str


@dataclass(frozen=True)
class Manifest:
    """`manifest.json` (RS2 model, §23.3)."""

    source_bucket: str
    destination_bucket: str
    file_format: str
    """parquet, csv or json (lower-case)."""
    file_schema: str
    files: tuple[ManifestFile, ...]
    status: str
    """minioExtension.status ("completed", "canceled", ...); "" when the manifest has no extension."""
    partial: bool
    scanned: int = 0
    matched: int = 0


class ReportProblem(RecoveryError):
    """A report that cannot be used as it is (missing, truncated, other schema, not completed)."""

    default_title = "Inventory report unusable"


def parse_manifest(data: bytes) -> Manifest:
    try:
        doc = json.loads(data)
    except ValueError:
        raise ReportProblem("the manifest is not JSON (truncated or not a manifest)") from None
    if not isinstance(doc, dict) or "fileFormat" not in doc:
        raise ReportProblem("the manifest has no fileFormat: not an inventory manifest")
    files = []
    for f in doc.get("files") or []:  # older servers sent "files": null for empty results (§23.3)
        if not isinstance(f, dict) or not f.get("key"):
            raise ReportProblem("the manifest lists a file without a key")
        md5 = f.get("MD5checksum", f.get("MD5Checksum", ""))
        try:
            size = int(f.get("size"))  # type: ignore[arg-type]  # None: the TypeError below
        except (TypeError, ValueError):
            raise ReportProblem(f"the manifest gives no size for {f['key']}") from None
        files.append(ManifestFile(str(f["key"]), size, str(md5 or "").lower()))
    ext_doc = doc.get("minioExtension")
    ext: dict[str, Any] = ext_doc if isinstance(ext_doc, dict) else {}
    fmt = str(doc.get("fileFormat", "")).lower()
    if fmt not in ("parquet", "csv", "json"):
        raise ReportProblem(f"the manifest's fileFormat {doc.get('fileFormat')!r} is not Parquet, CSV or JSON")
    return Manifest(source_bucket=str(doc.get("sourceBucket", "")),
                    destination_bucket=str(doc.get("destinationBucket", "")), file_format=fmt,
                    file_schema=str(doc.get("fileSchema", "")), files=tuple(files),
                    status=str(ext.get("status", "")).lower(), partial=bool(ext.get("partialResultsAvailable")),
                    scanned=int(ext.get("scannedObjects") or 0), matched=int(ext.get("matchedObjects") or 0))


@dataclass
class LocalFile:
    path: Path
    fmt: str
    columns: dict[str, str]
    """Canonical column → the file's own name for it."""


@dataclass
class SideReport:
    """One side's usable files and what is wrong with the rest."""

    label: str
    files: list[LocalFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    manifest: Optional[Manifest] = None

    @property
    def complete(self) -> bool:
        return self.manifest is not None and not self.problems

    def reason(self) -> str:
        return f"{self.label}: " + "; ".join(self.problems) if self.problems else ""


def acceptance_problems(m: Manifest) -> list[str]:
    """Why a manifest's run is not a complete report (empty when it is)."""
    out = []
    if m.status and m.status != "completed":
        out.append(f"the manifest says the run was {m.status}")
    if m.partial:
        out.append("the manifest says only partial results are available")
    if not m.status:
        out.append("the manifest has no completion status (minioExtension)")
    return out


def column_map(names: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map a file's column names to the canonical ones by name; returns (map, missing display names)."""
    lower = {n.lower(): n for n in names}
    found, missing = {}, []
    for canon, accepted in REQUIRED.items():
        name = next((lower[a] for a in accepted if a in lower), None)
        if name is None:
            missing.append(NAMES[canon])
        else:
            found[canon] = name
    return found, missing


def _columns_of(path: Path, fmt: str) -> list[str]:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    with open(path, "rb") as fh:
        first = fh.readline().decode("utf-8", "replace").strip()
    if fmt == "csv":
        import csv

        return next(csv.reader([first]), [])
    doc = json.loads(first) if first else {}
    return list(doc) if isinstance(doc, dict) else []


def _decompress(path: Path) -> Path:
    import pyarrow as pa

    out = path.with_suffix("")  # part-00001.csv.zst → part-00001.csv
    with pa.OSFile(str(path), "rb") as raw, pa.CompressedInputStream(raw, "zstd") as src, open(out, "wb") as dst:
        while True:
            chunk = src.read(1 << 20)
            if not chunk:
                break
            dst.write(chunk)
    path.unlink()
    return out


class ReportReader:
    """Fetches a side's report into `workdir` (one sub-folder per side)."""

    def __init__(self, service: Any, workdir: Path, progress: Optional[Callable[[str, int], None]] = None,
                 cancel: Optional[threading.Event] = None) -> None:
        self.service = service
        self.workdir = workdir
        self.progress = progress
        """Called with (side label, bytes just fetched) for every chunk of a report file."""
        self.cancel = cancel or threading.Event()
        """Set: a read stops at its next chunk (Cancelled). Sides may be read in two threads at once."""

    def _get(self, alias: str, bucket: str, key: str, dest: Optional[Path], label: str) -> tuple[bytes, int, str]:
        """GET an object; into `dest` (streamed, returns b"") or into memory. Returns (body, size, md5)."""
        site = self.service.site(alias)
        ctx = site.ctx("read an inventory report", "s3:GetObject", bucket)
        resp = site.raw(ctx, "GET", f"/{bucket}/{key}", stream=True)
        md5, size, parts = hashlib.md5(), 0, []
        out = open(dest, "wb") if dest is not None else None
        try:
            for chunk in resp.iter_chunks(1 << 20):
                if self.cancel.is_set():
                    if resp.stream is not None:
                        resp.stream.close()  # the rest of the body is unread: this connection is not reused
                    raise Cancelled("the report read was stopped")
                md5.update(chunk)
                size += len(chunk)
                if out is not None:
                    out.write(chunk)
                else:
                    parts.append(chunk)
                if self.progress is not None and out is not None:
                    self.progress(label, len(chunk))
        except (OSError, urllib3.exceptions.HTTPError) as exc:
            raise connection_failure(ctx, exc) from None
        finally:
            if out is not None:
                out.close()
        return b"".join(parts), size, md5.hexdigest()

    def from_bucket(self, label: str, alias: str, bucket: str, manifest_key: str) -> SideReport:
        side = SideReport(label)
        try:
            data, _, _ = self._get(alias, bucket, manifest_key, None, label)
        except NotFound:
            side.problems.append(f"the manifest {bucket}/{manifest_key} is missing")
            return side
        try:
            side.manifest = parse_manifest(data)
        except ReportProblem as exc:
            side.problems.append(exc.message)
            return side
        side.problems += acceptance_problems(side.manifest)
        folder = self._folder(label)
        for f in side.manifest.files:
            dest = folder / os.path.basename(f.key)
            try:
                _, size, md5 = self._get(alias, bucket, f.key, dest, label)
            except NotFound:
                side.problems.append(f"{os.path.basename(f.key)} is listed in the manifest but missing")
                continue
            self._accept(side, f, dest, size, md5)
        return side

    def from_local(self, label: str, manifest_path: Path) -> SideReport:
        side = SideReport(label)
        try:
            side.manifest = parse_manifest(manifest_path.read_bytes())
        except OSError as exc:
            side.problems.append(f"cannot read {manifest_path}: {exc.strerror}")
            return side
        except ReportProblem as exc:
            side.problems.append(exc.message)
            return side
        side.problems += acceptance_problems(side.manifest)
        base = manifest_path.parent
        for f in side.manifest.files:
            name = os.path.basename(f.key)
            src = next((p for p in (base / "files" / name, base / name) if p.is_file()), None)
            if src is None:
                side.problems.append(f"{name} is listed in the manifest but missing next to it")
                continue
            md5 = hashlib.md5()
            with open(src, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    md5.update(chunk)
            dest = self._folder(label) / name
            if dest.exists():
                dest.unlink()
            try:
                os.link(src, dest)
            except OSError:
                import shutil

                shutil.copyfile(src, dest)
            self._accept(side, f, dest, src.stat().st_size, md5.hexdigest())
        return side

    def _folder(self, label: str) -> Path:
        folder = self.workdir / label
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _accept(self, side: SideReport, f: ManifestFile, path: Path, size: int, md5: str) -> None:
        name = os.path.basename(f.key)
        assert side.manifest is not None
        if size != f.size:
            side.problems.append(f"{name} has {size:,} bytes, the manifest says {f.size:,} (truncated)")
            return
        if f.md5 and md5 != f.md5:
            side.problems.append(f"{name} does not match its MD5 in the manifest")
            return
        if name.endswith(".zst"):
            try:
                path = _decompress(path)
            except Exception as exc:  # pyarrow raises its own OSError/ArrowInvalid kinds
                side.problems.append(f"{name} cannot be decompressed: {type(exc).__name__}")
                return
        fmt = side.manifest.file_format
        try:
            names = _columns_of(path, fmt)
        except Exception as exc:  # a corrupt file: pyarrow's ArrowInvalid, json/csv errors
            side.problems.append(f"{name} cannot be read as {fmt}: {type(exc).__name__}")
            return
        cols, missing = column_map(names)
        if missing:
            side.problems.append(f"{name} has another schema (no {', '.join(missing)} column)")
            return
        side.files.append(LocalFile(path, fmt, cols))
