#pragma once
// Peak memory, for the trainer's reports.
#include <ATen/ATen.h>

namespace tp::training {

// The process's peak resident memory (VmHWM of /proc/self/status) in MiB; 0 when unknown.
double peak_rss_mib();
// The most memory torch's allocator has held for tensors on a CUDA device, in MiB.
double cuda_peak_allocated_mib(const at::Device& device);

}  // namespace tp::training
