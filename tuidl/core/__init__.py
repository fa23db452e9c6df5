"""Plain-Python core of tuidl: spec, presets, events, runs, history.

The Keras and dataset facts are in ``registry`` (losses, metrics, datasets) and
``catalog`` (layers, optimizers, schedules, callbacks); the experiment models in
``spec`` on ``components`` (component presets), ``validation`` and ``tomlio``.

Nothing in this package imports Textual, Keras or TensorFlow, nor any other
part of tuidl.
"""
