"""Sampling: the ``sample`` API, the chain runner and executors, options, progress,
checkpoints and the rules that choose the number of chains."""

from .api import (
    AUTO_DEFAULTS,
    BOUND_KEYS,
    CHAIN_RULES,
    SAMPLER_OPTIONS,
    ChainsArg,
    InitName,
    SamplerName,
    sample,
    sample_target,
)

__all__ = [
    "sample",
    "sample_target",
    "SAMPLER_OPTIONS",
    "AUTO_DEFAULTS",
    "BOUND_KEYS",
    "CHAIN_RULES",
    "ChainsArg",
    "SamplerName",
    "InitName",
]
