"""Image folders: one subfolder per class, read by ``keras.utils.image_dataset_from_directory``.

Images (``.bmp .gif .jpeg .jpg .png``) are resized to ``options.image_size``
(default 64x64), ``options.color_mode`` ``rgb`` or ``grayscale``; class names
are the subfolder names, sorted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tuidl.core.errors import DataError
from tuidl.core.spec import DataSpec, toml_repr
from tuidl.engine.datasets.base import Raw

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
"""What ``image_dataset_from_directory`` reads."""


def load_images(folder: Path, spec: DataSpec, seed: int) -> Raw:
    """Read an image folder with one subfolder per class (``image_dataset_from_directory``).

    Images are resized to ``options.image_size`` (default ``[64, 64]``) and
    kept as uint8 ``(n, H, W, C)``, C = 3 (rgb) or 1 (grayscale).

    Raises:
        DataError: not a folder, no class subfolders or no images, or an image
            that cannot be decoded (named).
    """
    if not folder.is_dir():
        raise DataError(
            f"data.path = {toml_repr(spec.path)}: {folder} is a file; images needs a folder "
            "with one subfolder per class"
        )
    subs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    counts = {p.name: sum(1 for f in p.rglob("*") if f.suffix.lower() in IMAGE_EXTENSIONS) for p in subs}
    if not subs or sum(counts.values()) == 0:
        raise DataError(
            f"{folder}: no class subfolders with images ({', '.join(IMAGE_EXTENSIONS)})",
            hint=f"lay it out as {folder.name}/<class name>/<image>.png, one subfolder per class",
        )
    empty = [k for k, v in counts.items() if v == 0]
    if empty:
        raise DataError(
            f"{folder}: class subfolder(s) without images: {', '.join(empty)}", hint="remove them or add images"
        )
    size = tuple(spec.options.image_size or (64, 64))
    mode = spec.options.color_mode or "rgb"
    import keras

    try:
        ds = keras.utils.image_dataset_from_directory(
            str(folder),
            labels="inferred",
            label_mode="int",
            color_mode=mode,
            image_size=size,
            batch_size=64,
            shuffle=False,
            seed=seed,
            verbose=False,
        )
        class_names = list(ds.class_names)
        xs, ys = [], []
        for xb, yb in ds.as_numpy_iterator():
            xs.append(np.clip(np.round(xb), 0, 255).astype(np.uint8))
            ys.append(yb.astype(np.int32))
    except DataError:
        raise
    except Exception as e:  # noqa: BLE001 - TF raises several kinds; find the bad file
        bad = _find_bad_image(folder)
        if bad is not None:
            raise DataError(
                f"{bad}: cannot be decoded as an image ({bad.suffix} file)",
                title="Bad image file",
                hint="remove or replace it",
            ) from None
        raise DataError(f"{folder}: cannot read the images: {str(e).splitlines()[0]}") from None
    x, y = np.concatenate(xs), np.concatenate(ys)
    return Raw(
        x=x,
        y=y,
        task="classification",
        kind="images",
        class_names=class_names,
        description=f"image folder {folder.name}: {len(x)} images of {size[0]}x{size[1]} {mode}, "
        f"{len(class_names)} classes",
        source=str(folder),
        pixel_scale=255.0,
    )


def _find_bad_image(folder: Path) -> Path | None:
    """The first image under ``folder`` that TensorFlow cannot decode, if any."""
    import tensorflow as tf

    for f in sorted(folder.rglob("*")):
        if f.suffix.lower() in IMAGE_EXTENSIONS:
            try:
                tf.io.decode_image(tf.io.read_file(str(f)), expand_animations=False)
            except Exception:  # noqa: BLE001
                return f
    return None
