"""The results of a run and their files: ``SampleResults``, saving and loading (netCDF or .npz,
checksummed, never unpickled) and the export to ArviZ."""

from .io import register_kind  # noqa: F401 - the baselines register their results classes here
from .sample_results import STAT_NAMES, ResultsSummary, SampleResults

__all__ = ["SampleResults", "ResultsSummary", "STAT_NAMES"]  # register_kind: for the baselines
