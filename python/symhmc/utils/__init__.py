"""Helpers shared by the whole package: argument checks and the data-scale warning."""
