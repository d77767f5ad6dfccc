"""The package version, in one place: the root package and the files a run writes read it here."""

__version__ = "0.1.0"
