#include "step_profiler.hpp"

#include <ATen/Parallel.h>
#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <system_error>
#include <vector>

#include "profile_table.hpp"
#include "tunepipe/atomic_file.hpp"
#include "tunepipe/run_layout.hpp"

namespace tp::training {
namespace {

namespace profiler = torch::autograd::profiler;
using torch::profiler::impl::ActivityType;
using torch::profiler::impl::ProfilerConfig;
using torch::profiler::impl::ProfilerState;

ProfilerConfig config() {
  return ProfilerConfig(ProfilerState::KINETO, /*report_input_shapes=*/true, /*profile_memory=*/false,
                        /*with_stack=*/false, /*with_flops=*/true);
}

std::set<ActivityType> activities(const at::Device& device) {
  if (device.is_cuda()) return {ActivityType::CPU, ActivityType::CUDA};
  return {ActivityType::CPU};
}

std::vector<ProfiledEvent> profiled_events(const profiler::ProfilerResult& result) {
  std::vector<ProfiledEvent> events;
  events.reserve(result.events().size());
  for (const profiler::KinetoEvent& kineto : result.events()) {
    ProfiledEvent event;
    event.name = kineto.name();
    if (kineto.hasShapes()) event.shapes.assign(kineto.shapes().begin(), kineto.shapes().end());
    event.thread = kineto.startThreadId();
    event.start_ns = kineto.startNs();
    event.end_ns = kineto.endNs();
    event.flops = kineto.flops();
    event.on_device = kineto.deviceType() != c10::DeviceType::CPU;
    event.correlation = kineto.correlationId();
    event.linked = kineto.linkedCorrelationId();
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace

StepProfiler::StepProfiler(std::int64_t steps, std::int64_t start_step, std::int64_t total_steps, at::Device device)
    : first_(start_step + 2 <= total_steps ? start_step + 2 : start_step + 1),
      last_(std::min(first_ + steps - 1, total_steps)),
      total_(total_steps),
      device_(device) {}

StepProfiler::~StepProfiler() {
  if (active_) profiler::disableProfiler();  // a step failed while recording: nothing is written
}

void StepProfiler::before_step(std::int64_t step) {
  if (step != first_) return;
  // Kineto logs each start and stop, and on a machine without a GPU that it found none; its
  // log level 6 is above every message (a level the user set is kept).
  ::setenv("KINETO_LOG_LEVEL", "6", /*overwrite=*/0);
  profiler::prepareProfiler(config(), activities(device_));
  profiler::enableProfiler(config(), activities(device_));
  active_ = true;
}

std::optional<std::filesystem::path> StepProfiler::after_step(std::int64_t step, double seconds,
                                                              const std::filesystem::path& output_dir) {
  if (!active_) return std::nullopt;
  wall_seconds_ += seconds;
  if (step != last_) return std::nullopt;
  active_ = false;
  const std::unique_ptr<profiler::ProfilerResult> result = profiler::disableProfiler();

  const std::filesystem::path trace = output_dir / run_layout::kProfileTrace;
  const std::filesystem::path partial_trace = output_dir / (std::string(run_layout::kProfileTrace) + ".partial");
  try {
    result->save(partial_trace.string());
    std::filesystem::rename(partial_trace, trace);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(partial_trace, ignored);
    throw;
  }

  const ProfileHeading heading{first_, last_ - first_ + 1, total_, device_.str(), at::get_num_threads(),
                               wall_seconds_};
  const std::filesystem::path table = output_dir / run_layout::kProfileTable;
  write_file_atomically(table, profile_table(heading, profiled_events(*result)));
  return table;
}

}  // namespace tp::training
