#include "data_parallel.hpp"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>

#include "tunepipe/error.hpp"

namespace tp {
namespace {

bool environment_says(const char* name, const char* value) {
  const char* set = std::getenv(name);
  return set != nullptr && std::strcmp(set, value) == 0;
}

std::string rendezvous(const Ranks& ranks) { return fmt::format("{}:{}", ranks.master_addr, ranks.master_port); }

}  // namespace

struct DataParallel::Group {
  c10::intrusive_ptr<c10d::Backend> backend;
};

DataParallel::DataParallel(const Ranks& ranks, std::chrono::milliseconds timeout) : ranks_(ranks) {
  if (!ranks_.distributed()) return;
  try {
    c10d::TCPStoreOptions options;
    options.port = static_cast<std::uint16_t>(ranks_.master_port);
    // torchrun's agent already serves a store at MASTER_PORT and says so; without it rank 0 serves one.
    options.isServer = ranks_.rank == 0 && !environment_says("TORCHELASTIC_USE_AGENT_STORE", "True");
    options.numWorkers = ranks_.world_size;
    options.timeout = timeout;
    auto store = c10::make_intrusive<c10d::PrefixStore>(
        "tunepipe/", c10::make_intrusive<c10d::TCPStore>(ranks_.master_addr, options));
    auto gloo = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
    gloo->devices.push_back(interface != nullptr ? c10d::ProcessGroupGloo::createDeviceForInterface(interface)
                                                 : c10d::ProcessGroupGloo::createDefaultDevice());
    group_ = std::make_unique<Group>();
    group_->backend = c10::make_intrusive<c10d::ProcessGroupGloo>(store, ranks_.rank, ranks_.world_size, gloo);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(fmt::format("rank {} of {} could not join the others at {} (MASTER_ADDR:MASTER_PORT) within {} s: {}",
                            ranks_.rank, ranks_.world_size, rendezvous(ranks_), timeout.count() / 1000, e.what()));
  }
}

DataParallel::~DataParallel() = default;

at::Tensor DataParallel::sum(at::Tensor values) {
  std::vector<at::Tensor> tensors{values};
  try {
    group_->backend->allreduce(tensors)->wait();
  } catch (const std::exception& e) {
    throw Error(fmt::format("rank {} of {}: summing with the other ranks failed — one of them has stopped or cannot "
                            "be reached (its own output says why): {}",
                            ranks_.rank, ranks_.world_size, e.what()));
  }
  return values;
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

void DataParallel::require_same(const std::string& what, const std::string& text) {
  if (!ranks_.distributed()) return;
  const auto fingerprint = static_cast<std::int64_t>(std::hash<std::string>{}(text));
  std::vector<at::Tensor> rank0{at::full({1}, fingerprint, at::kLong)};
  try {
    group_->backend->broadcast(rank0)->wait();
  } catch (const std::exception& e) {
    throw Error(fmt::format("rank {} of {}: could not hear from rank 0: {}", ranks_.rank, ranks_.world_size, e.what()));
  }
  // Every rank learns whether any differs, so all stop together.
  if (sum(std::int64_t{rank0[0].item<std::int64_t>() != fingerprint}) != 0)
    throw Error(fmt::format("rank {} of {}: the ranks were started with different {}: start every rank with the same "
                            "command and files",
                            ranks_.rank, ranks_.world_size, what));
}

}  // namespace tp
