#include "profile_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace tp::training {
namespace {

constexpr std::int64_t kLoraSizedDimension = 64;  // ranks above this are rare

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }
bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

template <std::size_t N>
bool any_of_names(std::string_view name, const std::array<std::string_view, N>& names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

constexpr std::string_view kAutogradNode = "autograd::engine::evaluate_function: ";

std::string display_name(const std::string& name) {
  if (starts_with(name, kAutogradNode)) return "autograd " + name.substr(kAutogradNode.size());
  return name;
}

std::string phase_of_scope(std::string_view name) {
  if (name == profile_scope::kForward) return "forward";
  if (name == profile_scope::kLoss) return "loss";
  if (name == profile_scope::kBackward || starts_with(name, kAutogradNode)) return "backward";
  if (name == profile_scope::kOptimizer) return "optimizer";
  if (name == profile_scope::kRankSums) return "rank sums";
  return {};
}

// A matrix product whose rows, inner or output dimension is no larger than a LoRA rank.
bool lora_sized(const std::vector<std::vector<std::int64_t>>& shapes) {
  for (const auto& shape : shapes)
    if (shape.size() >= 2 && std::min(shape[shape.size() - 2], shape.back()) <= kLoraSizedDimension) return true;
  return false;
}

std::string host_kind(std::string_view name, const ProfiledEvent& event) {
  static constexpr std::array<std::string_view, 6> kMatmuls{"aten::mm",      "aten::addmm", "aten::bmm",
                                                            "aten::baddbmm", "aten::_mm",  "aten::addbmm"};
  static constexpr std::array<std::string_view, 6> kCopies{"aten::to",       "aten::_to_copy", "aten::copy_",
                                                           "aten::contiguous", "aten::clone",  "aten::type_as"};
  static constexpr std::array<std::string_view, 10> kAllocations{
      "aten::empty",     "aten::empty_strided", "aten::zeros",      "aten::zero_",      "aten::fill_",
      "aten::ones",      "aten::resize_",       "aten::empty_like", "aten::zeros_like", "aten::new_empty"};
  static constexpr std::array<std::string_view, 18> kViews{
      "aten::view",    "aten::reshape",   "aten::_reshape_alias", "aten::transpose", "aten::t",
      "aten::expand",  "aten::slice",     "aten::select",         "aten::as_strided", "aten::permute",
      "aten::unsqueeze", "aten::squeeze", "aten::narrow",         "aten::split",     "aten::chunk",
      "aten::unbind",  "aten::detach",    "aten::alias"};
  if (starts_with(name, "tunepipe::")) return "outside operators (our code, waits)";
  if (starts_with(name, "autograd::") || contains(name, "Backward")) return "autograd engine";
  if (any_of_names(name, kMatmuls))
    return lora_sized(event.shapes) ? fmt::format("matmul with a dimension <= {} (LoRA)", kLoraSizedDimension)
                                    : std::string("matmul");
  if (contains(name, "attention") || contains(name, "flash")) return "attention";
  if (contains(name, "log_softmax") || contains(name, "nll_loss") || contains(name, "logsumexp"))
    return "loss (log-softmax, NLL)";
  if (any_of_names(name, kCopies)) return "copies and dtype conversions";
  if (any_of_names(name, kAllocations)) return "allocation and fills";
  if (any_of_names(name, kViews)) return "views (no data moved)";
  if (starts_with(name, "cuda")) return "CUDA runtime calls";
  return "elementwise, norms, rotary, reductions";
}

std::string device_kind(std::string_view name) {
  if (contains(name, "Memcpy") || contains(name, "Memset")) return "copies and fills";
  if (contains(name, "flash") || contains(name, "fmha") || contains(name, "attention")) return "attention";
  if (contains(name, "gemm") || contains(name, "gemv") || contains(name, "cutlass") || contains(name, "xmma") ||
      contains(name, "cublas") || contains(name, "nvjet"))  // nvjet: cuBLAS's kernels on Hopper
    return "matmul";
  if (contains(name, "softmax") || contains(name, "nll_loss")) return "loss (log-softmax, NLL)";
  return "elementwise, norms, rotary, reductions";
}

std::string shape_text(const std::vector<std::vector<std::int64_t>>& shapes) {
  std::string text;
  for (const auto& shape : shapes) {
    if (shape.empty()) continue;
    if (!text.empty()) text += " ";
    text += fmt::format("[{}]", fmt::join(shape, ","));
  }
  return text;
}

std::string clipped(std::string text, std::size_t width) {
  if (text.size() > width) text = text.substr(0, width - 3) + "...";
  return text;
}

struct Total {
  double seconds = 0.0;
  std::int64_t calls = 0;
  double flops = 0.0;
};

// Rows sorted by time, largest first, each with its share of `all`.
template <typename Key>
std::vector<std::pair<Key, Total>> by_time(const std::map<Key, Total>& totals) {
  std::vector<std::pair<Key, Total>> rows(totals.begin(), totals.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second.seconds > b.second.seconds; });
  return rows;
}

void summary(std::string& out, const char* title, const std::map<std::string, Total>& totals, double all) {
  out += fmt::format("\n{:<44} {:>11} {:>7}\n", title, "ms", "share");
  for (const auto& [name, total] : by_time(totals)) {
    if (total.seconds < 5e-5) continue;  // e.g. the sums over ranks of a run with one
    out += fmt::format("{:<44} {:>11.1f} {:>6.1f}%\n", name, total.seconds * 1e3,
                       all > 0 ? 100.0 * total.seconds / all : 0.0);
  }
}

double sum(const std::map<std::string, Total>& totals) {
  double all = 0.0;
  for (const auto& entry : totals) all += entry.second.seconds;
  return all;
}

}  // namespace

std::string profile_table(const ProfileHeading& heading, const std::vector<ProfiledEvent>& events,
                          std::size_t top_rows) {
  // Host operators nest on their thread; an operator's self time is its own
  // minus its direct children's, and its phase is that of the nearest scope
  // that encloses it.
  std::vector<std::size_t> host;
  for (std::size_t i = 0; i < events.size(); ++i)
    if (!events[i].on_device && events[i].end_ns >= events[i].start_ns) host.push_back(i);
  std::stable_sort(host.begin(), host.end(), [&](std::size_t a, std::size_t b) {
    const ProfiledEvent& x = events[a];
    const ProfiledEvent& y = events[b];
    return std::tie(x.thread, x.start_ns) < std::tie(y.thread, y.start_ns) ||
           (x.thread == y.thread && x.start_ns == y.start_ns && x.end_ns > y.end_ns);
  });
  std::vector<double> children(events.size(), 0.0);
  std::vector<std::string> phase(events.size(), "other");
  std::vector<std::size_t> open;
  for (const std::size_t i : host) {
    const ProfiledEvent& event = events[i];
    while (!open.empty() &&
           (events[open.back()].thread != event.thread || events[open.back()].end_ns <= event.start_ns))
      open.pop_back();
    if (!open.empty()) {
      children[open.back()] += static_cast<double>(event.end_ns - event.start_ns);
      phase[i] = phase[open.back()];
    }
    if (std::string own = phase_of_scope(event.name); !own.empty()) phase[i] = own;
    open.push_back(i);
  }

  std::map<std::string, Total> phases;
  std::map<std::string, Total> kinds;
  std::map<std::tuple<std::string, std::string, std::string>, Total> operators;
  std::unordered_map<std::uint64_t, std::string> launch_phase;
  for (const std::size_t i : host) {
    const ProfiledEvent& event = events[i];
    const double self =
        std::max(0.0, static_cast<double>(event.end_ns - event.start_ns) - children[i]) * 1e-9;
    phases[phase[i]].seconds += self;
    kinds[host_kind(event.name, event)].seconds += self;
    Total& row = operators[{phase[i], display_name(event.name), shape_text(event.shapes)}];
    row.seconds += self;
    row.calls += 1;
    row.flops += static_cast<double>(event.flops);
    if (event.correlation != 0) launch_phase[event.correlation] = phase[i];
  }

  const double host_all = sum(phases);
  std::string out = fmt::format(
      "tunepipe profile: step{} {} of {} on {}, {} intra-op thread{}\n"
      "wall time of the profiled steps: {:.1f} ms; operators' self time on the host: {:.1f} ms\n",
      heading.steps == 1 ? "" : "s",
      heading.steps == 1 ? fmt::format("{}", heading.first_step)
                         : fmt::format("{}-{}", heading.first_step, heading.first_step + heading.steps - 1),
      heading.total_steps, heading.device, heading.threads, heading.threads == 1 ? "" : "s",
      heading.wall_seconds * 1e3, host_all * 1e3);
  summary(out, "host time by phase", phases, host_all);
  summary(out, "host time by kind of work", kinds, host_all);

  out += fmt::format("\n{} operators with the most host self time\n{:<10} {:<48} {:<44} {:>6} {:>10} {:>7} {:>9}\n",
                     top_rows, "phase", "operator", "input shapes", "calls", "self ms", "share", "GFLOP/s");
  std::size_t shown = 0;
  for (const auto& [key, total] : by_time(operators)) {
    if (shown++ == top_rows) break;
    const auto& [op_phase, name, shapes] = key;
    const std::string rate = total.flops > 0 && total.seconds > 0
                                 ? fmt::format("{:.1f}", total.flops / total.seconds * 1e-9)
                                 : std::string();
    out += fmt::format("{:<10} {:<48} {:<44} {:>6} {:>10.2f} {:>6.1f}% {:>9}\n", op_phase, clipped(name, 48),
                       clipped(shapes, 44), total.calls, total.seconds * 1e3,
                       host_all > 0 ? 100.0 * total.seconds / host_all : 0.0, rate);
  }

  std::map<std::string, Total> device_phases;
  std::map<std::string, Total> device_kinds;
  std::map<std::pair<std::string, std::string>, Total> kernels;
  for (const ProfiledEvent& event : events) {
    // Kineto mirrors the user scopes onto the GPU's timeline: spans, not kernels.
    if (!event.on_device || event.end_ns < event.start_ns || starts_with(event.name, "tunepipe::")) continue;
    const double seconds = static_cast<double>(event.end_ns - event.start_ns) * 1e-9;
    const auto launched = launch_phase.find(event.linked);
    const std::string& kernel_phase = launched == launch_phase.end() ? std::string("other") : launched->second;
    device_phases[kernel_phase].seconds += seconds;
    device_kinds[device_kind(event.name)].seconds += seconds;
    Total& row = kernels[{kernel_phase, event.name}];
    row.seconds += seconds;
    row.calls += 1;
  }
  if (kernels.empty()) return out;
  const double device_all = sum(device_phases);
  out += fmt::format("\nGPU time: {:.1f} ms, {:.0f}% of the wall time\n", device_all * 1e3,
                     heading.wall_seconds > 0 ? 100.0 * device_all / heading.wall_seconds : 0.0);
  summary(out, "GPU time by phase", device_phases, device_all);
  summary(out, "GPU time by kind of kernel", device_kinds, device_all);
  out += fmt::format("\n{} kernels with the most GPU time\n{:<10} {:<90} {:>6} {:>10} {:>7}\n", top_rows, "phase",
                     "kernel", "calls", "ms", "share");
  shown = 0;
  for (const auto& [key, total] : by_time(kernels)) {
    if (shown++ == top_rows) break;
    out += fmt::format("{:<10} {:<90} {:>6} {:>10.2f} {:>6.1f}%\n", key.first, clipped(key.second, 90), total.calls,
                       total.seconds * 1e3, device_all > 0 ? 100.0 * total.seconds / device_all : 0.0);
  }
  return out;
}

}  // namespace tp::training
