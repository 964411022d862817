#pragma once
// Where a profiled training step's time went: the profiler's events summed by
// phase (forward, loss, backward, optimizer), by kind of work and by operator
// and input shapes, as the text of profile.txt.
#include <cstdint>
#include <string>
#include <vector>

namespace tp::training {

// The user scopes the training loop opens around each phase of a step.
namespace profile_scope {
inline constexpr const char* kForward = "tunepipe::forward";
inline constexpr const char* kLoss = "tunepipe::loss";
inline constexpr const char* kBackward = "tunepipe::backward";
inline constexpr const char* kOptimizer = "tunepipe::optimizer";
inline constexpr const char* kRankSums = "tunepipe::rank_sums";  // data-parallel: counts and gradients summed
}  // namespace profile_scope

struct ProfiledEvent {
  std::string name;
  std::vector<std::vector<std::int64_t>> shapes;  // the inputs' shapes, where recorded
  std::uint64_t thread = 0;
  std::uint64_t start_ns = 0;
  std::uint64_t end_ns = 0;
  std::uint64_t flops = 0;
  bool on_device = false;          // a GPU kernel or copy, not a host-side operator
  std::uint64_t correlation = 0;   // host events: what the device events they launched link to
  std::uint64_t linked = 0;        // device events: the correlation of the launch
};

struct ProfileHeading {
  std::int64_t first_step = 0;
  std::int64_t steps = 0;
  std::int64_t total_steps = 0;
  std::string device;
  int threads = 0;
  double wall_seconds = 0.0;
};

std::string profile_table(const ProfileHeading& heading, const std::vector<ProfiledEvent>& events,
                          std::size_t top_rows = 40);

}  // namespace tp::training
