"""Qt item models of the window: the documents list and one document's chapters."""
