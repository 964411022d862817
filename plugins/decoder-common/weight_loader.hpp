#pragma once
// Fetches a weight source's tensors by HF name, checks their shapes against
// the model's configuration (and that they are finite) and converts them to the stage's dtype and device.
#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tunepipe/adaptable_linear.hpp"
#include "weight_source.hpp"

namespace tp::decoder {

class WeightLoader {
 public:
  WeightLoader(const WeightSource& source, at::TensorOptions target);

  // An owned copy (never a view of the mapped file, so merging adapters may
  // write into it); throws tp::Error naming the tensor and the expected shape.
  at::Tensor load(const std::string& name, const std::vector<std::int64_t>& shape) const;
  // Undefined when `present` is false (an optional bias).
  at::Tensor load_if(bool present, const std::string& name, const std::vector<std::int64_t>& shape) const;

  // A projection "<module>.weight" [out, in] with "<module>.bias" [out] when `bias`.
  AdaptableLinear linear(const std::string& module, std::int64_t out, std::int64_t in, bool bias) const;

  const at::TensorOptions& target() const { return target_; }

 private:
  void require_finite(const std::string& name, const at::Tensor& stored) const;

  const WeightSource& source_;
  at::TensorOptions target_;
};

}  // namespace tp::decoder
