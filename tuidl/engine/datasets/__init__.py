"""Dataset sources behind :func:`tuidl.engine.data.load_data`.

Each source module turns a :class:`~tuidl.core.spec.DataSpec` into a
:class:`~tuidl.engine.datasets.base.Raw` (all samples in their natural dtype,
plus metadata); :mod:`tuidl.engine.data` then applies the shared pipeline
(label checks, subset, split, float32 conversion, scaling, class weights).

* :mod:`.playground` — TF Playground's 2-D sets, generated with a seed.
* :mod:`.toy` — scikit-learn's bundled sets (no download).
* :mod:`.keras_cache` — ``keras.datasets`` files read from Keras's cache folder
  (the files read and checked in :mod:`.keras_files`, the folder and the download in :mod:`.keras_fetch`).
* :mod:`.files` — the user's CSV, NPZ, NPY and image folders (one module per format:
  :mod:`.files_csv`, :mod:`.files_arrays`, :mod:`.files_images`; the checks they share in :mod:`.files_checks`).

Nothing here imports TensorFlow or Keras at module scope.
"""
