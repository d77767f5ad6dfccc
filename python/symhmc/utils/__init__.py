"""Helpers shared by the whole package, with public names only: argument checks
(``validation``), the data-scale warning (``scaling``), file-system helpers (``files``), the
version (``version``) and the finder that keeps moved modules importable (``moved``)."""
