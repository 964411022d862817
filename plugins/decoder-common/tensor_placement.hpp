#pragma once
// The stage's `device` and `dtype` options turned into libtorch's terms.
#include <ATen/ATen.h>

#include <string>

namespace tp::decoder {

// "fp32" | "bf16" | "fp16"; throws tp::Error otherwise.
at::ScalarType parse_dtype(const std::string& name);

// "auto" (CUDA when a GPU is usable, else CPU) | "cpu" | "cuda" | "cuda:N".
// "auto" and "cuda" take GPU `unnumbered_gpu` (a data-parallel rank's
// LOCAL_RANK). Loads libtorch's CUDA backend on demand, since plugins link
// only its CPU half; throws tp::Error when the device asked for cannot be had.
at::Device resolve_device(const std::string& name, int unnumbered_gpu = 0);

// Whether `name` has one of the forms above (checked by `validate`, before any
// library is loaded).
bool is_device_name(const std::string& name);

}  // namespace tp::decoder
