"""The desktop window: a thin Qt adapter over the embedded engine (see ``docs/GUI.md``)."""
