#pragma once
// The collectives of a data-parallel run, on torch.distributed's c10d inside
// libtorch: ranks meet through its TCPStore (torchrun's own store when it
// hosts one) and sum through gloo. With one process every call returns its
// argument; any trainer can use it.
#include <ATen/core/Tensor.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tunepipe/ranks.hpp"

namespace tp {

class DataParallel {
 public:
  DataParallel(const Ranks& ranks, std::chrono::milliseconds timeout);
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
  // Every rank's copy of `text` equals rank 0's, or the run stops naming `what` (ranks started differently).
  void require_same(const std::string& what, const std::string& text);

 private:
  at::Tensor sum(at::Tensor values);  // a CPU tensor, summed in place

  struct Group;
  Ranks ranks_;
  std::unique_ptr<Group> group_;
};

}  // namespace tp
