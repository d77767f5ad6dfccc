"""Sphinx configuration of symhmc's manual (``sphinx-build -W -b html docs docs/_build/html``).

Pages are Markdown (MyST); the API reference comes from the numpydoc docstrings of the installed
package (autodoc + autosummary + numpydoc). Warnings are errors in CI, so a broken reference, a
docstring numpydoc cannot parse or a page left out of the table of contents fails the build.
"""

from __future__ import annotations

import symhmc

project = "symhmc"
author = "The symhmc developers"
copyright = "symhmc developers (MIT)"
release = symhmc.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "**/*.png"]
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3

autosummary_generate = True
autodoc_typehints = "none"  # the numpydoc sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

html_theme = "alabaster"
html_title = f"symhmc {release}"
