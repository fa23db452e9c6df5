"""The engine: the only part of tuidl that imports Keras/TensorFlow, and only inside functions.

Modules: ``build`` (spec -> keras.Model, summary, checks), ``data`` (dataset
loaders), ``train`` (the one training code path), ``host`` (the engine
process that serves the UI).
"""
