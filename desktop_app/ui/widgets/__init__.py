"""The window's widgets; none of them talks to the database or subscribes to engine callbacks."""
