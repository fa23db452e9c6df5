"""The engine: the only part of tuidl that imports Keras/TensorFlow, and only inside functions.

Modules: ``build`` (spec -> keras.Model, summary, checks), ``data`` (dataset
loaders; with ``dataset`` and ``labels``), ``train`` (the one training code path;
with ``stream``, ``runlog`` and ``graphs``), ``host`` (the engine process that
serves the UI).
"""
