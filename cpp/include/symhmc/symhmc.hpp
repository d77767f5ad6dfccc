// Everything public in one include: targets, sampler settings, the many-chain runner, the BNN
// posterior and its symmetries.
#pragma once

#include "symhmc/activation.hpp"
#include "symhmc/adaptation.hpp"
#include "symhmc/chains.hpp"
#include "symhmc/hmc.hpp"
#include "symhmc/integrator.hpp"
#include "symhmc/layout.hpp"
#include "symhmc/metric.hpp"
#include "symhmc/mlp.hpp"
#include "symhmc/nuts.hpp"
#include "symhmc/optimize.hpp"
#include "symhmc/posterior.hpp"
#include "symhmc/rng.hpp"
#include "symhmc/runtime.hpp"
#include "symhmc/settings.hpp"
#include "symhmc/symmetry.hpp"
#include "symhmc/target.hpp"
#include "symhmc/transition.hpp"
#include "symhmc/version.hpp"
