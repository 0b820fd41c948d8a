// xgrad — saving and loading: safetensors files, models, optimizers, schedulers, checkpoints.
// See docs/saving.md.
#pragma once
#include "xgrad/io/file.hpp"
#include "xgrad/io/safetensors.hpp"
#include "xgrad/io/serialize.hpp"
#include "xgrad/io/checkpoint.hpp"
#include "xgrad/io/hdf5.hpp"
