#pragma once
// `profile_steps`: records some optimizer steps with torch's profiler (host
// operators with their input shapes and FLOPs; GPU kernels on CUDA) and writes
// what it saw into the output folder: a table of where the time went and a
// trace for Perfetto / chrome://tracing. The first step this process runs is
// left out, as it creates kernels and caches the later ones reuse.
#include <cstdint>
#include <filesystem>
#include <optional>

#include <c10/core/Device.h>

namespace tp::training {

class StepProfiler {
 public:
  StepProfiler(std::int64_t steps, std::int64_t start_step, std::int64_t total_steps, at::Device device);
  ~StepProfiler();
  StepProfiler(const StepProfiler&) = delete;
  StepProfiler& operator=(const StepProfiler&) = delete;

  void before_step(std::int64_t step);
  // The table's path once the last profiled step is done and written, else nothing.
  std::optional<std::filesystem::path> after_step(std::int64_t step, double seconds,
                                                  const std::filesystem::path& output_dir);

 private:
  std::int64_t first_ = 0;
  std::int64_t last_ = 0;
  std::int64_t total_ = 0;
  at::Device device_;
  bool active_ = false;
  double wall_seconds_ = 0.0;
};

}  // namespace tp::training
