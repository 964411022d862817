#include "data_parallel.hpp"

#include <ATen/ATen.h>
#include <c10/util/Logging.h>
#include <fmt/format.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <fmt/ranges.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <optional>
#include <thread>

#include "tunepipe/error.hpp"

namespace tp {
namespace {

bool environment_says(const char* name, const char* value) {
  const char* set = std::getenv(name);
  return set != nullptr && std::strcmp(set, value) == 0;
}

std::string rendezvous(const Ranks& ranks) { return fmt::format("{}:{}", ranks.master_addr, ranks.master_port); }

// torchrun keeps its store across the restarts of a run's ranks: each attempt, and each group in it, meets under
// keys of its own.
std::string group_prefix(const std::string& group) {
  const char* attempt = std::getenv("TORCHELASTIC_RESTART_COUNT");
  return fmt::format("tunepipe/attempt_{}/{}/", attempt != nullptr ? attempt : "0", group);
}

// torchrun's agent already serves a store at MASTER_PORT and says so; without it rank 0 serves one.
bool agent_store() { return environment_says("TORCHELASTIC_USE_AGENT_STORE", "True"); }

// The process's one connection to the ranks' store, shared by its groups while any lives: a port takes one server.
c10::intrusive_ptr<c10d::TCPStore> store_connection(const Ranks& ranks, std::chrono::milliseconds timeout) {
  static std::optional<c10::weak_intrusive_ptr<c10d::TCPStore>> shared;
  if (shared)
    if (auto store = shared->lock()) return store;
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(ranks.master_port);
  options.isServer = ranks.rank == 0 && !agent_store();
  options.numWorkers = ranks.world_size;
  options.timeout = timeout;
  auto store = c10::make_intrusive<c10d::TCPStore>(ranks.master_addr, options);
  shared.emplace(store);
  return store;
}

// The first sentence of a c10d/gloo error, without its source location or the stack trace after it.
std::string first_sentence(const char* text) {
  std::string sentence(text);
  sentence = sentence.substr(0, sentence.find('\n'));
  if (sentence.starts_with('[') && sentence.find("] ") != std::string::npos)
    sentence = sentence.substr(sentence.find("] ") + 2);
  return sentence.substr(0, sentence.find(". "));
}

// c10d logs every failed store request at WARNING with a stack trace: the
// census of the ranks after a failure expects some, and reports them itself.
class QuietC10Log {
 public:
  QuietC10Log() : level_(FLAGS_caffe2_log_level) { FLAGS_caffe2_log_level = std::max(level_, 2); }  // ERROR
  ~QuietC10Log() { FLAGS_caffe2_log_level = level_; }
  QuietC10Log(const QuietC10Log&) = delete;
  QuietC10Log& operator=(const QuietC10Log&) = delete;

 private:
  int level_;
};

std::string lost_key(int rank) { return fmt::format("lost/{}", rank); }

}  // namespace

struct DataParallel::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;
};

DataParallel::DataParallel(const Ranks& ranks, std::chrono::milliseconds timeout, const std::string& group)
    : ranks_(ranks) {
  if (!ranks_.distributed()) return;
  // A peer that died leaves its sockets closed: writing to them must fail the collective, which then names the
  // lost rank, not raise SIGPIPE, which kills this rank silently (Python, where torch usually runs, ignores it).
  std::signal(SIGPIPE, SIG_IGN);
  try {
    group_ = std::make_unique<Group>();
    group_->store = c10::make_intrusive<c10d::PrefixStore>(group_prefix(group), store_connection(ranks_, timeout));
    group_->store->setTimeout(timeout);
    auto gloo = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
    gloo->devices.push_back(interface != nullptr ? c10d::ProcessGroupGloo::createDeviceForInterface(interface)
                                                 : c10d::ProcessGroupGloo::createDefaultDevice());
    group_->backend =
        c10::make_intrusive<c10d::ProcessGroupGloo>(group_->store, ranks_.rank, ranks_.world_size, gloo);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(fmt::format("rank {} of {} could not join the others at {} (MASTER_ADDR:MASTER_PORT) within {} s: {}",
                            ranks_.rank, ranks_.world_size, rendezvous(ranks_), timeout.count() / 1000,
                            first_sentence(e.what())));
  }
}

DataParallel::~DataParallel() = default;

void DataParallel::collective(const char* doing, const std::function<void()>& run) {
  try {
    run();
  } catch (const std::exception& e) {
    throw Error(fmt::format("rank {} of {}: {} with the other ranks failed: {} (its own output says why); "
                            "`run --resume` continues from the last complete checkpoint — {}",
                            ranks_.rank, ranks_.world_size, doing, lost_ranks(), first_sentence(e.what())));
  }
}

at::Tensor DataParallel::sum(at::Tensor values) {
  std::vector<at::Tensor> tensors{values};
  collective("summing", [&] { group_->backend->allreduce(tensors)->wait(); });
  return values;
}

std::vector<std::string> DataParallel::all_gather(const std::string& mine) {
  if (!ranks_.distributed()) return {mine};
  const auto world = static_cast<std::size_t>(ranks_.world_size);
  std::vector<at::Tensor> size{at::full({1}, static_cast<std::int64_t>(mine.size()), at::kLong)};
  std::vector<std::vector<at::Tensor>> sizes{std::vector<at::Tensor>(world)};
  for (at::Tensor& each : sizes[0]) each = at::empty({1}, at::kLong);
  collective("gathering", [&] { group_->backend->allgather(sizes, size)->wait(); });
  std::int64_t longest = 1;
  for (const at::Tensor& each : sizes[0]) longest = std::max(longest, each.item<std::int64_t>());

  std::vector<at::Tensor> bytes{at::zeros({longest}, at::kByte)};
  std::copy(mine.begin(), mine.end(), bytes[0].data_ptr<std::uint8_t>());
  std::vector<std::vector<at::Tensor>> gathered{std::vector<at::Tensor>(world)};
  for (at::Tensor& each : gathered[0]) each = at::empty({longest}, at::kByte);
  collective("gathering", [&] { group_->backend->allgather(gathered, bytes)->wait(); });
  std::vector<std::string> texts;
  for (std::size_t rank = 0; rank < world; ++rank)
    texts.emplace_back(reinterpret_cast<const char*>(gathered[0][rank].data_ptr<std::uint8_t>()),
                       static_cast<std::size_t>(sizes[0][rank].item<std::int64_t>()));
  return texts;
}

std::string DataParallel::lost_ranks() {
  const auto grace = std::chrono::seconds(5);
  std::vector<int> silent;
  const QuietC10Log quiet;
  try {
    group_->store->set(lost_key(ranks_.rank), "");
    for (int rank = 0; rank < ranks_.world_size; ++rank)
      if (rank != ranks_.rank) silent.push_back(rank);
    // The ranks that are still there fail their collective too, and say so here.
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (!silent.empty() && std::chrono::steady_clock::now() < deadline) {
      std::erase_if(silent, [&](int rank) { return group_->store->check({lost_key(rank)}); });
      if (!silent.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  } catch (const std::exception&) {
    return agent_store() ? std::string("torchrun's agent, which serves the ranks' store, cannot be reached")
                               : std::string("rank 0, which serves the ranks' store, has stopped");
  }
  if (silent.empty()) return "every rank reports the failure, so the connection between them broke";
  return fmt::format("rank{} {} ha{} stopped or hang{}", silent.size() > 1 ? "s" : "", fmt::join(silent, ", "),
                     silent.size() > 1 ? "ve" : "s", silent.size() > 1 ? "" : "s");
}

void DataParallel::sum_gradients(const std::vector<std::pair<std::string, at::Tensor>>& parameters) {
  if (!ranks_.distributed()) return;
  std::vector<at::Tensor> pieces;
  for (const auto& [name, parameter] : parameters) {
    const at::Tensor& grad = parameter.grad();
    pieces.push_back(grad.defined() ? grad.detach().reshape(-1).to(at::kCPU, at::kFloat)
                                    : at::zeros({parameter.numel()}, at::kFloat));
  }
  // One flag per parameter: how many ranks computed its gradient.
  std::vector<float> computed;
  for (const auto& [name, parameter] : parameters) computed.push_back(parameter.grad().defined() ? 1.0f : 0.0f);
  pieces.push_back(at::tensor(computed, at::kFloat));
  const at::Tensor flat = sum(at::cat(pieces));

  std::int64_t offset = 0;
  const float* counts = flat.data_ptr<float>() + (flat.numel() - static_cast<std::int64_t>(parameters.size()));
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    at::Tensor parameter = parameters[i].second;
    const std::int64_t count = parameter.numel();
    const at::Tensor summed = flat.narrow(0, offset, count).view(parameter.sizes());
    offset += count;
    if (counts[i] == 0.0f) continue;
    at::Tensor grad = parameter.mutable_grad();
    if (grad.defined())
      grad.copy_(summed);
    else
      parameter.mutable_grad() = summed.to(parameter.device(), parameter.scalar_type()).clone();
  }
}

std::int64_t DataParallel::sum(std::int64_t value) {
  if (!ranks_.distributed()) return value;
  return sum(at::full({1}, value, at::kLong)).item<std::int64_t>();
}

double DataParallel::sum(double value) {
  if (!ranks_.distributed()) return value;
  return sum(at::full({1}, value, at::kDouble)).item<double>();
}

std::vector<double> DataParallel::sum(std::vector<double> values) {
  if (!ranks_.distributed()) return values;
  const at::Tensor summed = sum(at::tensor(values, at::kDouble));
  std::copy_n(summed.data_ptr<double>(), values.size(), values.begin());
  return values;
}

void DataParallel::require_same(const std::string& what, const std::string& text) {
  if (!ranks_.distributed()) return;
  const auto fingerprint = static_cast<std::int64_t>(std::hash<std::string>{}(text));
  std::vector<at::Tensor> rank0{at::full({1}, fingerprint, at::kLong)};
  collective("hearing from rank 0", [&] { group_->backend->broadcast(rank0)->wait(); });
  // Every rank learns whether any differs, so all stop together.
  if (sum(std::int64_t{rank0[0].item<std::int64_t>() != fingerprint}) != 0)
    throw Error(fmt::format("rank {} of {}: the ranks were started with different {}: start every rank with the same "
                            "command and files",
                            ranks_.rank, ranks_.world_size, what));
}

}  // namespace tp
