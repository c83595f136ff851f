"""The main screen's panes: interview list, transcript viewer, question outline, status line."""
