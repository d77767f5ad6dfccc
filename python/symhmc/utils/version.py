"""The package version, in one place: written once in pyproject.toml, compiled by CMake into the
module (and the C++ version header); the root package and the files a run writes read it here."""

from .. import _core

__version__: str = _core.__version__
