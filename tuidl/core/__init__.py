"""Plain-Python core of tuidl: spec, presets, events, runs, history.

Nothing in this package imports Textual, Keras or TensorFlow, nor any other
part of tuidl.
"""
