"""scikit-learn's bundled toy datasets: shipped inside the package, no download.

Source: ``sklearn.datasets.load_*`` (https://scikit-learn.org/stable/datasets/toy_dataset):

* ``digits`` — UCI ML hand-written digits (Alpaydin & Kaynak 1998): 1797 8x8
  grey images, pixel values 0–16, 10 classes. Kept as images ``(8, 8, 1)``
  scaled to [0, 1] (``pixel_scale`` 16).
* ``iris`` — Fisher 1936: 150 flowers, 4 measurements (cm), 3 species.
* ``wine`` — UCI wine recognition: 178 wines, 13 measurements, 3 cultivars.
* ``breast_cancer`` — Wisconsin diagnostic (Street, Wolberg & Mangasarian
  1993): 569 cases, 30 features; class 0 = malignant, 1 = benign.
* ``diabetes`` — Efron et al. 2004: 442 patients, 10 baseline features (as
  scikit-learn ships them: mean-centred, scaled by ``std * sqrt(n)``); the
  target is disease progression one year later (25–346).
"""

from __future__ import annotations

import numpy as np

from tuidl.core.registry import BUNDLED_SOURCES
from tuidl.core.spec import DataSpec
from tuidl.engine.datasets.base import Raw

SOURCES = BUNDLED_SOURCES
"""The datasets this module loads (``bundled`` in :data:`tuidl.core.registry.DATASET_TABLE`)."""


def load(spec: DataSpec, seed: int) -> Raw:
    """The scikit-learn set ``spec.name`` as a :class:`Raw`."""
    import sklearn.datasets as skd

    name = spec.name
    if name == "digits":
        d = skd.load_digits()
        return Raw(
            x=d.images.astype(np.float32).reshape(-1, 8, 8, 1),
            y=d.target.astype(np.int32),
            task="classification",
            kind="images",
            class_names=[str(i) for i in range(10)],
            description="scikit-learn digits: 1797 8x8 grey images of handwritten digits, 10 classes",
            source="sklearn.datasets.load_digits (bundled)",
            pixel_scale=16.0,
        )
    loader = {
        "iris": skd.load_iris,
        "wine": skd.load_wine,
        "breast_cancer": skd.load_breast_cancer,
        "diabetes": skd.load_diabetes,
    }[name]
    d = loader()
    x = np.asarray(d.data, dtype=np.float32)
    if name == "diabetes":
        return Raw(
            x=x,
            y=np.asarray(d.target, dtype=np.float32),
            task="regression",
            kind="table",
            description="scikit-learn diabetes: 442 patients, 10 features, disease progression after one year (25-346)",
            source="sklearn.datasets.load_diabetes (bundled)",
            feature_names=list(d.feature_names),
        )
    names = [str(t) for t in d.target_names]
    return Raw(
        x=x,
        y=np.asarray(d.target, dtype=np.int32),
        task="classification",
        kind="table",
        class_names=names,
        description=f"scikit-learn {name}: {len(x)} samples, {x.shape[1]} features, "
        f"{len(names)} classes ({', '.join(names)})",
        source=f"sklearn.datasets.load_{name} (bundled)",
        feature_names=list(d.feature_names),
    )
