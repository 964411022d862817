// The profile table (plugins/training-common/profile_table.cpp) on
// hand-made events: self time, phases by enclosing scope, and the GPU side a
// CPU-only machine never records.
#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

#include "profile_table.hpp"

using tp::training::ProfiledEvent;
using tp::training::ProfileHeading;

namespace {

ProfiledEvent host(std::string name, std::uint64_t start_ms, std::uint64_t end_ms, std::uint64_t thread = 1) {
  ProfiledEvent event;
  event.name = std::move(name);
  event.thread = thread;
  event.start_ns = start_ms * 1'000'000;
  event.end_ns = end_ms * 1'000'000;
  return event;
}

ProfiledEvent kernel(std::string name, std::uint64_t start_ms, std::uint64_t end_ms, std::uint64_t linked) {
  ProfiledEvent event = host(std::move(name), start_ms, end_ms, 99);
  event.on_device = true;
  event.linked = linked;
  return event;
}

// The milliseconds a summary line gives for `label` in the section that starts with `section`.
double row_ms(const std::string& table, const std::string& section, const std::string& label) {
  const std::size_t from = table.find(section);
  REQUIRE(from != std::string::npos);
  const std::string rest = table.substr(from, table.find("\n\n", from) - from);
  std::smatch match;
  REQUIRE(std::regex_search(rest, match, std::regex("\n" + label + " +([0-9.]+) ")));
  return std::stod(match[1]);
}

const ProfileHeading kHeading{2, 2, 10, "cuda:0", 16, 0.1};

}  // namespace

TEST_CASE("profile table: self time is an operator's own minus its direct children's", "[profile]") {
  auto mm = host("aten::mm", 12, 20);
  mm.shapes = {{2048, 896}, {896, 8}};
  mm.flops = 8'000'000'000;  // over its 8 ms of self time: 1000 GFLOP/s
  const std::vector<ProfiledEvent> events{
      host("tunepipe::forward", 0, 50), host("aten::linear", 10, 30), mm, host("aten::add_", 22, 25),
      host("tunepipe::backward", 50, 100), host("autograd::engine::evaluate_function: MmBackward0", 60, 80),
      host("aten::mm", 61, 79), host("tunepipe::optimizer", 100, 110), host("aten::_fused_adamw_", 101, 109)};
  const std::string table = tp::training::profile_table(kHeading, events);

  CHECK(row_ms(table, "host time by phase", "forward") == Approx(50.0));
  CHECK(row_ms(table, "host time by phase", "backward") == Approx(50.0));
  CHECK(row_ms(table, "host time by phase", "optimizer") == Approx(10.0));
  // The first mm is LoRA-sized (8 columns); the backward one has no shapes recorded.
  CHECK(row_ms(table, "host time by kind of work", "matmul with a dimension <= 64 \\(LoRA\\)") == Approx(8.0));
  CHECK(row_ms(table, "host time by kind of work", "matmul") == Approx(18.0));
  CHECK(table.find("forward    aten::mm                                         [2048,896] [896,8]") !=
        std::string::npos);
  CHECK(table.find("1000.0\n") != std::string::npos);
  CHECK(table.find("autograd MmBackward0") != std::string::npos);
  CHECK(table.find("GPU time") == std::string::npos);
}

TEST_CASE("profile table: GPU kernels take the phase of the operator that launched them", "[profile]") {
  auto launch_forward = host("cudaLaunchKernel", 5, 6);
  launch_forward.correlation = 7;
  auto launch_backward = host("cudaLaunchKernel", 55, 56, 2);  // the autograd engine's device thread
  launch_backward.correlation = 8;
  const std::vector<ProfiledEvent> events{
      host("tunepipe::forward", 0, 50), launch_forward,
      host("autograd::engine::evaluate_function: MmBackward0", 54, 58, 2), launch_backward,
      kernel("nvjet_sm90_tst_128x256_64x4_1x2_h_bz_coopA_NNN", 10, 40, 7),
      kernel("void at::native::vectorized_elementwise_kernel<4, CUDAFunctor_add<float>>", 60, 70, 8),
      kernel("tunepipe::forward", 0, 50, 0),  // kineto's mirror of our scope: a span, not a kernel
      kernel("Memcpy DtoD (Device -> Device)", 80, 81, 12345)};
  const std::string table = tp::training::profile_table(kHeading, events);

  CHECK(row_ms(table, "GPU time by phase", "forward") == Approx(30.0));
  CHECK(row_ms(table, "GPU time by phase", "backward") == Approx(10.0));
  CHECK(row_ms(table, "GPU time by phase", "other") == Approx(1.0));  // its launch was not recorded
  CHECK(row_ms(table, "GPU time by kind of kernel", "matmul") == Approx(30.0));
  CHECK(row_ms(table, "GPU time by kind of kernel", "copies and fills") == Approx(1.0));
  CHECK(table.find("GPU time: 41.0 ms, 41% of the wall time") != std::string::npos);
}
