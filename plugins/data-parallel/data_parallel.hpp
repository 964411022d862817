#pragma once
// The collectives of a data-parallel run, on torch.distributed's c10d inside
// libtorch: ranks meet through its TCPStore (torchrun's own store when it
// hosts one) and sum through gloo. Each stage that joins (the trainer, an
// evaluator) gets a group of its own over the process's one store connection.
// With one process every call returns its argument.
#include <ATen/core/Tensor.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tunepipe/ranks.hpp"

namespace tp {

class DataParallel {
 public:
  // torch.distributed's default: how long a rank waits for the others at the rendezvous and in each collective.
  static constexpr std::chrono::seconds kDefaultTimeout{1800};

  // `group`: the joining stage's name, unique in the run ("trainer", "evaluator").
  DataParallel(const Ranks& ranks, std::chrono::milliseconds timeout, const std::string& group);
  ~DataParallel();
  DataParallel(const DataParallel&) = delete;
  DataParallel& operator=(const DataParallel&) = delete;

  const Ranks& ranks() const { return ranks_; }

  // Each parameter's gradient becomes the sum of the ranks' (in one flat
  // buffer): a rank that computed none for it adds zeros, and one no rank
  // computed stays undefined, as in one process.
  void sum_gradients(const std::vector<std::pair<std::string, at::Tensor>>& parameters);
  std::int64_t sum(std::int64_t value);
  double sum(double value);
  std::vector<double> sum(std::vector<double> values);  // several in one collective
  // Every rank's `mine`, by rank, on every rank.
  std::vector<std::string> all_gather(const std::string& mine);
  // Every rank's copy of `text` equals rank 0's, or the run stops naming `what` (ranks started differently).
  void require_same(const std::string& what, const std::string& text);

 private:
  at::Tensor sum(at::Tensor values);  // a CPU tensor, summed in place
  // Runs one collective; a failure becomes an Error saying what it was `doing` and which ranks are gone.
  void collective(const char* doing, const std::function<void()>& run);
  // Names the ranks that did not report the failure themselves within a few seconds: those stopped (or hang).
  std::string lost_ranks();

  struct Group;
  Ranks ranks_;
  std::unique_ptr<Group> group_;
};

}  // namespace tp
