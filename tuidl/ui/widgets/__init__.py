"""Widgets of the tuidl UI (Textual only; nothing here imports TensorFlow or Keras)."""
