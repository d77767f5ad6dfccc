"""symhmc's compiled core (type stub for the pybind11 module; bindings in cpp/bindings/)."""

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any, Final, Literal, SupportsFloat, SupportsIndex, TypedDict, overload, type_check_only

import numpy as np
from numpy.typing import ArrayLike, NDArray

# Input arrays are converted to C-contiguous float64 (py::array::forcecast), so any array-like
# is accepted. Integers accept anything with __index__ (not floats); floats accept ints too.

__version__: Final[str]  # the package version (pyproject.toml's, compiled in through CMake)
openmp_available: Final[bool]  # True when the core was built with OpenMP
build_arch: Final[str]  # the -march level the core was compiled for: "x86-64", "native" or "generic"
kernel_isa: Final[str]  # instruction set of the data-row loops actually dispatched at run time
kernel_tables: Final[dict[str, str]]  # SYMHMC_KERNELS name -> instruction set, tables this CPU can run
max_params: Final[int]  # most network parameters a layout may have (2**48)

def max_threads() -> int:
    """Threads used when threads=None (1 when built without OpenMP)."""

class Target:
    """A differentiable log density (no constructor: use Posterior or testing.GaussianTarget)."""

    @property
    def dim(self) -> int:
        """Number of parameters."""
    def log_density(
        self, q: ArrayLike, threads: SupportsIndex = 0, with_grad: bool = True
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(log density (n,), gradient (n, dim), or (0, dim) without with_grad) at each row of q (n, dim)."""

class Posterior(Target):
    """BNN posterior: Gaussian likelihood, N(0, prior_scale^2) weights; log sigma appended unless noise_std is fixed."""

    def __init__(
        self,
        widths: Sequence[SupportsIndex],
        activation: str,
        x: ArrayLike,
        y: ArrayLike,
        prior_scale: SupportsFloat = 1.0,
        noise_std: SupportsFloat | None = None,
        noise_prior_scale: SupportsFloat = 1.0,
        dtype: str = "float64",
    ) -> None:
        """Posterior of the network with layer widths and activation on data x (n, in), y (n, out);
        dtype "float32" runs the likelihood in float32 (sums, log density and gradient in float64)."""
    @property
    def dtype(self) -> str:
        """Arithmetic of the likelihood: "float64" or "float32"."""
    @property
    def n_params(self) -> int:
        """Number of network weights and biases."""
    @property
    def n_points(self) -> int:
        """Number of data rows."""

class Progress:
    """Thread-safe progress counters and interrupt flag shared with a running run_chains call."""

    def __init__(self) -> None:
        """Zeroed counters, not interrupted."""
    @property
    def chains_done(self) -> int:
        """Chains finished so far."""
    @property
    def iterations(self) -> int:
        """Warmup and sampling iterations done so far, all chains."""
    @property
    def divergences(self) -> int:
        """Divergent transitions after warmup so far."""
    @property
    def warmup_divergences(self) -> int:
        """Divergent transitions during warmup so far."""
    @property
    def interrupted(self) -> bool:
        """Whether interrupt() has been called."""
    def interrupt(self) -> None:
        """Ask every chain to stop before its next iteration (safe from any thread)."""

def predict(
    widths: Sequence[SupportsIndex],
    activation: str,
    params: ArrayLike,
    x: ArrayLike,
    threads: SupportsIndex = 0,
) -> NDArray[np.float64]:
    """Network outputs, shape (n_vectors, n_points, n_outputs)."""

def n_hidden_neurons(widths: Sequence[SupportsIndex], activation: str) -> int:
    """Sum of the hidden layer widths."""

def apply_transform(
    widths: Sequence[SupportsIndex],
    activation: str,
    params: ArrayLike,
    perm: ArrayLike,
    sign: ArrayLike,
    threads: SupportsIndex = 0,
) -> NDArray[np.float64]:
    """Apply signed permutations (perm, sign: (1 or n, n_hidden_neurons)) to n vectors; extra entries pass through."""

@overload
def canonicalize(
    widths: Sequence[SupportsIndex],
    activation: str,
    params: ArrayLike,
    normalize: bool = False,
    threads: SupportsIndex = 0,
    return_transform: Literal[False] = False,
) -> NDArray[np.float64]:
    """Canonical representatives (n, stride) of n vectors."""

@overload
def canonicalize(
    widths: Sequence[SupportsIndex],
    activation: str,
    params: ArrayLike,
    normalize: bool = False,
    threads: SupportsIndex = 0,
    *,
    return_transform: Literal[True],
) -> tuple[NDArray[np.float64], NDArray[np.int32], NDArray[np.int32]]:
    """Canonical representatives and the (perm, sign) applied, each (n, n_hidden_neurons)."""

@overload
def canonicalize(
    widths: Sequence[SupportsIndex],
    activation: str,
    params: ArrayLike,
    normalize: bool,
    threads: SupportsIndex,
    return_transform: Literal[True],
) -> tuple[NDArray[np.float64], NDArray[np.int32], NDArray[np.int32]]:
    """Canonical representatives and the (perm, sign) applied, each (n, n_hidden_neurons)."""

@overload
def canonicalize(
    widths: Sequence[SupportsIndex],
    activation: str,
    params: ArrayLike,
    normalize: bool = False,
    threads: SupportsIndex = 0,
    return_transform: bool = False,
) -> Any:
    """Canonical representatives of n vectors; with return_transform also the (perm, sign) applied."""

@type_check_only
class _ChainOutputs(TypedDict):
    """The arrays returned by run_chains (stub only; at run time a plain dict)."""

    draws: NDArray[np.float64]  # (chains, draws, dim)
    lp: NDArray[np.float64]  # (chains, draws)
    acceptance_rate: NDArray[np.float64]  # (chains, draws)
    step_size: NDArray[np.float64]  # (chains, draws)
    tree_depth: NDArray[np.int32]  # (chains, draws)
    n_steps: NDArray[np.int64]  # (chains, draws)
    diverging: NDArray[np.bool_]  # (chains, draws)
    energy: NDArray[np.float64]  # (chains, draws)
    adapted_step_size: NDArray[np.float64]  # (chains,)
    inv_mass: NDArray[np.float64]  # (chains, dim)
    n_grad_evals: NDArray[np.int64]  # (chains,)
    finished: NDArray[np.bool_]  # (chains,)

class SamplerSettings:
    """Every sampler setting with its default (the paper's); the one source of the defaults used by symhmc.sample, results.settings and the command line."""

    def __init__(self) -> None:
        """The defaults."""
    @property
    def sampler(self) -> str:
        """'nuts' or 'hmc'."""
    @sampler.setter
    def sampler(self, value: str) -> None:
        """Set sampler (type-checked; counts are 64-bit)."""
    @property
    def warmup(self) -> int:
        """Warmup (adaptation) iterations per chain."""
    @warmup.setter
    def warmup(self, value: int) -> None:
        """Set warmup (type-checked; counts are 64-bit)."""
    @property
    def draws(self) -> int:
        """Draws kept per chain after warmup."""
    @draws.setter
    def draws(self, value: int) -> None:
        """Set draws (type-checked; counts are 64-bit)."""
    @property
    def step_size(self) -> float:
        """Initial step size (before the search heuristic)."""
    @step_size.setter
    def step_size(self, value: float) -> None:
        """Set step_size (type-checked; counts are 64-bit)."""
    @property
    def target_accept(self) -> float:
        """Dual averaging's target mean acceptance statistic."""
    @target_accept.setter
    def target_accept(self, value: float) -> None:
        """Set target_accept (type-checked; counts are 64-bit)."""
    @property
    def gamma(self) -> float:
        """Dual averaging's regularization scale."""
    @gamma.setter
    def gamma(self, value: float) -> None:
        """Set gamma (type-checked; counts are 64-bit)."""
    @property
    def t0(self) -> float:
        """Dual averaging's iteration offset."""
    @t0.setter
    def t0(self, value: float) -> None:
        """Set t0 (type-checked; counts are 64-bit)."""
    @property
    def kappa(self) -> float:
        """Dual averaging's relaxation exponent."""
    @kappa.setter
    def kappa(self, value: float) -> None:
        """Set kappa (type-checked; counts are 64-bit)."""
    @property
    def adapt_step_size(self) -> bool:
        """Adapt the step size during warmup."""
    @adapt_step_size.setter
    def adapt_step_size(self, value: bool) -> None:
        """Set adapt_step_size (type-checked; counts are 64-bit)."""
    @property
    def adapt_mass_matrix(self) -> bool:
        """Adapt the diagonal inverse mass matrix during warmup."""
    @adapt_mass_matrix.setter
    def adapt_mass_matrix(self, value: bool) -> None:
        """Set adapt_mass_matrix (type-checked; counts are 64-bit)."""
    @property
    def find_step_size(self) -> bool:
        """Stan's step size search at start and after each metric update."""
    @find_step_size.setter
    def find_step_size(self, value: bool) -> None:
        """Set find_step_size (type-checked; counts are 64-bit)."""
    @property
    def adaptation(self) -> Literal["stan", "gradient"]:
        """Mass-matrix adaptation: 'stan' (windowed draw variances) or 'gradient' (nutpie's)."""
    @adaptation.setter
    def adaptation(self, value: Literal["stan", "gradient"]) -> None:
        """Set adaptation ('stan' or 'gradient')."""
    @property
    def max_energy_error(self) -> float:
        """Energy error that counts as a divergence."""
    @max_energy_error.setter
    def max_energy_error(self, value: float) -> None:
        """Set max_energy_error (type-checked; counts are 64-bit)."""
    @property
    def init_buffer(self) -> int:
        """Fast initial warmup stage (step size only)."""
    @init_buffer.setter
    def init_buffer(self, value: int) -> None:
        """Set init_buffer (type-checked; counts are 64-bit)."""
    @property
    def base_window(self) -> int:
        """First slow window of the metric adaptation."""
    @base_window.setter
    def base_window(self, value: int) -> None:
        """Set base_window (type-checked; counts are 64-bit)."""
    @property
    def term_buffer(self) -> int:
        """Fast terminal warmup stage."""
    @term_buffer.setter
    def term_buffer(self, value: int) -> None:
        """Set term_buffer (type-checked; counts are 64-bit)."""
    @property
    def init_radius(self) -> float:
        """Initial points uniform on (-r, r) without user points."""
    @init_radius.setter
    def init_radius(self, value: float) -> None:
        """Set init_radius (type-checked; counts are 64-bit)."""
    @property
    def max_tree_depth(self) -> int:
        """NUTS: maximum number of trajectory doublings."""
    @max_tree_depth.setter
    def max_tree_depth(self, value: int) -> None:
        """Set max_tree_depth (type-checked; counts are 64-bit)."""
    @property
    def n_steps(self) -> int:
        """HMC: leapfrog steps per transition."""
    @n_steps.setter
    def n_steps(self, value: int) -> None:
        """Set n_steps (type-checked; counts are 64-bit)."""
    @property
    def step_jitter(self) -> float:
        """HMC: relative jitter of the step size."""
    @step_jitter.setter
    def step_jitter(self, value: float) -> None:
        """Set step_jitter (type-checked; counts are 64-bit)."""
    @staticmethod
    def options() -> list[tuple[str, str]]:
        """(name, scope) of every option; scope is 'run' (warmup, draws), 'common', 'nuts' or 'hmc'."""
    def get(self, name: str) -> Any:
        """The value of one option."""
    def set(self, name: str, value: Any) -> None:
        """Set one option (type-checked)."""
    def validate(self) -> None:
        """Raise ValueError naming the first setting out of range."""
    def warmup_plan(self) -> dict[str, Any]:
        """The warmup schedule these settings give: metric_adapted, the buffers after Stan's rescaling and the slow windows as [start, end) iteration ranges."""

def run_chains(
    target: Target,
    *,
    chains: SupportsIndex,
    settings: SamplerSettings,
    key: SupportsIndex = 0,
    threads: SupportsIndex = 0,
    init: ArrayLike | None = None,
    progress: Progress | None = None,
    first_chain: SupportsIndex = 0,
    chain_ids: ArrayLike | None = None,
    on_start: Callable[[_ChainOutputs], object] | None = None,
) -> _ChainOutputs:
    """Run many chains (GIL released); returns a dict of NumPy arrays shaped (chain, draw, ...).

    Chain c uses the random stream (key, first_chain + c), or (key, chain_ids[c]). on_start, if
    given, is called with that dict before the chains start; its arrays fill while the run goes
    on, and a chain's rows are complete once finished[c] is set."""

@type_check_only
class _TrainOutputs(TypedDict):
    """The arrays returned by train_members (stub only; at run time a plain dict)."""

    params: NDArray[np.float64]  # (members, dim): best-validation parameters, else those after the last update
    losses: NDArray[np.float64]  # (members, epochs): -log density before update e; NaN after a stop
    val_losses: NDArray[np.float64]  # (members, epochs), or (members, 0) without validation
    final_loss: NDArray[np.float64]  # (members,): -log density at params
    best_epoch: NDArray[np.int64]  # (members,): number of updates behind params
    finished: NDArray[np.bool_]  # (members,): False when interrupted
    nonfinite: NDArray[np.bool_]  # (members,): stopped at a non-finite loss or gradient

class OptimizerSettings:
    """Every setting of the deep-ensemble trainer with its default (one place: optimize.hpp)."""

    def __init__(self) -> None:
        """The defaults."""
    @property
    def optimizer(self) -> str:
        """'rmsprop' or 'adam'."""
    @optimizer.setter
    def optimizer(self, value: str) -> None:
        """Set the optimizer ('rmsprop' or 'adam'; anything else raises ValueError)."""
    @property
    def learning_rate(self) -> float:
        """Step size (positive)."""
    @learning_rate.setter
    def learning_rate(self, value: SupportsFloat) -> None:
        """Set learning_rate (checked by validate() and train_members)."""
    @property
    def epochs(self) -> int:
        """Full-batch gradient steps (>= 1)."""
    @epochs.setter
    def epochs(self, value: SupportsIndex) -> None:
        """Set epochs (checked by validate() and train_members)."""
    @property
    def rho(self) -> float:
        """RMSprop decay of the squared-gradient average."""
    @rho.setter
    def rho(self, value: SupportsFloat) -> None:
        """Set rho (checked by validate() and train_members)."""
    @property
    def beta1(self) -> float:
        """Adam first-moment decay."""
    @beta1.setter
    def beta1(self, value: SupportsFloat) -> None:
        """Set beta1 (checked by validate() and train_members)."""
    @property
    def beta2(self) -> float:
        """Adam second-moment decay."""
    @beta2.setter
    def beta2(self, value: SupportsFloat) -> None:
        """Set beta2 (checked by validate() and train_members)."""
    @property
    def eps(self) -> float:
        """Added to the root of the second moment (outside the sqrt)."""
    @eps.setter
    def eps(self, value: SupportsFloat) -> None:
        """Set eps (checked by validate() and train_members)."""
    @property
    def init_radius(self) -> float:
        """Initial points uniform on (-r, r)."""
    @init_radius.setter
    def init_radius(self, value: SupportsFloat) -> None:
        """Set init_radius (checked by validate() and train_members)."""
    @property
    def max_init_tries(self) -> int:
        """Redraws of an initial point whose loss or gradient is not finite."""
    @max_init_tries.setter
    def max_init_tries(self, value: SupportsIndex) -> None:
        """Set max_init_tries (checked by validate() and train_members)."""
    def validate(self) -> None:
        """Raise ValueError naming the first setting out of range."""

def train_members(
    target: Target,
    *,
    members: SupportsIndex,
    settings: OptimizerSettings,
    key: SupportsIndex = 0,
    threads: SupportsIndex = 0,
    init: ArrayLike | None = None,
    progress: Progress | None = None,
    first_member: SupportsIndex = 0,
    validation: Target | None = None,
    patience: SupportsIndex = 0,
) -> _TrainOutputs:
    """Train members by full-batch gradient descent on -log density (GIL released); returns a dict of arrays."""

def leapfrog(
    target: Target,
    q: ArrayLike,
    p: ArrayLike,
    step_size: SupportsFloat,
    n_steps: SupportsIndex,
    inv_mass: ArrayLike | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """n_steps leapfrog steps from (q, p); returns (q, p, energies) with energies[k] = H after k steps."""

def philox4x32_10(counter: Sequence[SupportsIndex], key: Sequence[SupportsIndex]) -> list[int]:
    """One Philox4x32-10 block (for known-answer tests): counter has 4 words, key 2; returns 4 words."""

def rng_draws(key: SupportsIndex, stream: SupportsIndex, n: SupportsIndex, kind: str = "normal") -> NDArray[np.float64]:
    """n draws from the counter-based stream (key, stream) (for tests); kind is "normal" or "uniform"."""

class _TestingModule(ModuleType):
    """The submodule ``_core.testing``: targets with known moments, for testing the samplers."""

    class GaussianTarget(Target):
        """Multivariate normal N(mean, cov); cov is a vector of variances or a full matrix."""

        def __init__(self, mean: ArrayLike, cov: ArrayLike) -> None:
            """N(mean, cov) with mean (dim,) and cov (dim,) variances or (dim, dim) matrix."""
        @property
        def is_diagonal(self) -> bool:
            """Whether cov was given as a vector of variances."""
        @property
        def mean(self) -> NDArray[np.float64]:
            """A copy of the mean vector."""

testing: _TestingModule
