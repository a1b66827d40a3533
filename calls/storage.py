"""Where recordings live: Django's default storage, local disk or an S3-compatible bucket.

Local disk (MEDIA_ROOT) is the default. With STORAGE_BACKEND=s3 (settings) recordings go to a
bucket through django-storages, so web servers and workers on several machines share them. Code
that touches a recording's bytes goes through here, never through a filesystem path of its own:

- `recording_store` puts a checked upload in place under its final name;
- `local_copy` gives the decoder (PyAV/ffmpeg needs a seekable local file) a path: the file itself
  on local disk, otherwise a temporary download that is removed afterwards;
- `stored_open`, `stored_size`, `stored_exists`, `stored_delete` for serving and retention.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage
from django.db.models.fields.files import FieldFile

CHUNK = 1024 * 1024


class StoredFileMissing(Exception):
    """The store has no file under the recording's name (deleted, or never placed)."""


def _local_path(storage: Storage, name: str) -> Path | None:
    try:
        return Path(storage.path(name))
    except NotImplementedError:  # remote storages have no path
        return None


def staging_dir(storage: Storage) -> Path:
    """Where an upload is checked before it is stored: beside the store on local disk (so placing it
    is an atomic rename), otherwise the machine's temporary directory."""
    if isinstance(storage, FileSystemStorage):
        directory = Path(storage.location) / "incoming"
    else:
        directory = Path(settings.RECORDING_TEMP_DIR or tempfile.gettempdir()) / "mot-coach-incoming"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def recording_store(field_file: FieldFile, staged: Path) -> None:
    """Put the staged file in the store under `field_file.name` (already chosen, unique)."""
    storage = field_file.storage
    target = _local_path(storage, field_file.name)
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, target)
        return
    with staged.open("rb") as handle:
        saved = storage.save(field_file.name, File(handle, name=field_file.name))
    if saved != field_file.name:  # the storage renamed it: it must not (names are unique keys)
        storage.delete(saved)
        raise RuntimeError(f"storage stored {field_file.name!r} as {saved!r}")


@contextmanager
def local_copy(field_file: FieldFile) -> Iterator[Path]:
    """A local path with the stored file's bytes, for as long as the block runs.

    Raises StoredFileMissing if the store does not have the file.
    """
    storage = field_file.storage
    path = _local_path(storage, field_file.name)
    if path is not None:
        if not path.exists():
            raise StoredFileMissing(field_file.name)
        yield path
        return
    if not storage.exists(field_file.name):
        raise StoredFileMissing(field_file.name)
    suffix = Path(field_file.name).suffix
    directory = settings.RECORDING_TEMP_DIR or None
    with tempfile.NamedTemporaryFile(prefix="mot-coach-", suffix=suffix, dir=directory) as tmp:
        with storage.open(field_file.name, "rb") as source:
            shutil.copyfileobj(source, tmp, CHUNK)
        tmp.flush()
        yield Path(tmp.name)


def stored_exists(field_file: FieldFile) -> bool:
    return bool(field_file.name) and field_file.storage.exists(field_file.name)


def stored_size(field_file: FieldFile) -> int:
    return field_file.storage.size(field_file.name)


def stored_open(field_file: FieldFile) -> IO[bytes]:
    return field_file.storage.open(field_file.name, "rb")


def stored_delete(field_file: FieldFile) -> None:
    """Delete the stored file; a file already gone is not an error (local disk and S3 alike)."""
    if field_file.name:
        field_file.storage.delete(field_file.name)
