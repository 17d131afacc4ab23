"""Editing: the document, reversible edit commands, their undo history, timing and rule checks."""
