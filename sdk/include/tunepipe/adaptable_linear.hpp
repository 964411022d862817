#pragma once
// The model ↔ adapter contract: every projection of a decoder is an
// AdaptableLinear computing base(x) + Σ delta(x). An adapter (LoRA, DoRA, …)
// attaches a LinearDelta; one that can be folded into the weight says how.
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

namespace tp {

class LinearDelta {
 public:
  virtual ~LinearDelta() = default;
  // The adapter's contribution for input x [..., in_features] → [..., out_features],
  // best in fp32: AdaptableLinear sums the deltas in fp32 and rounds once.
  virtual at::Tensor delta(const at::Tensor& x) const = 0;
  // The same contribution as a dense [out_features, in_features] matrix, for
  // merging; undefined if this adapter cannot be merged.
  virtual at::Tensor merged_weight_delta() const { return {}; }
};

class AdaptableLinear {
 public:
  AdaptableLinear(at::Tensor weight, at::Tensor bias);  // weight [out, in]; bias [out] or undefined

  at::Tensor forward(const at::Tensor& x) const;

  void attach(std::shared_ptr<LinearDelta> delta);
  void detach_all();
  const std::vector<std::shared_ptr<LinearDelta>>& deltas() const { return deltas_; }

  const at::Tensor& weight() const { return weight_; }
  const at::Tensor& bias() const { return bias_; }
  at::Tensor& weight() { return weight_; }
  std::int64_t in_features() const;
  std::int64_t out_features() const;

 private:
  at::Tensor weight_;
  at::Tensor bias_;
  std::vector<std::shared_ptr<LinearDelta>> deltas_;
};

}  // namespace tp
