// bf16 projections on fp32-widened weights (sdk/src/model/bf16_kernels): the
// fused dot-product kernel (≤ 4 rows), the blocked sgemm above it, the input
// gradient and tp::linear's autograd, each against an fp64 reference: the
// result may differ from it only by the one final rounding to bf16 (plus fp32
// accumulation error).
#include <catch2/catch.hpp>

#include <ATen/ATen.h>

#include <tuple>

#include "../../sdk/src/model/bf16_kernels.hpp"
#include "tunepipe/linear.hpp"

#undef CHECK
#define CHECK(...) INTERNAL_CATCH_TEST("CHECK", Catch::ResultDisposition::ContinueOnFailure, __VA_ARGS__)

namespace {

at::Tensor random_bf16(at::IntArrayRef shape, std::uint64_t seed) {
  at::manual_seed(seed);
  return at::randn(shape, at::kFloat).to(at::kBFloat16);
}

// Whether every element of `ours` (bf16) is the fp64 `expected` rounded once, up to
// fp32 accumulation error bounded through `magnitude` = Σ |terms|.
bool within_one_rounding(const at::Tensor& ours, const at::Tensor& expected, const at::Tensor& magnitude) {
  const at::Tensor error = (ours.to(at::kDouble) - expected).abs();
  const at::Tensor allowed = expected.abs() * std::ldexp(1.0, -8) + magnitude * 1e-6;
  return error.le(allowed).all().item<bool>();
}

}  // namespace

TEST_CASE("bf16 linear on widened weights equals the fp64 product rounded once", "[bf16]") {
  // in: a multiple of the unrolled step, one of the lane width only, and neither;
  // rows: the dot-product kernel for 1–4, the blocked sgemm for more.
  for (const std::int64_t in : {64, 80, 901}) {
    for (const std::int64_t rows : {1, 2, 3, 4, 5, 37}) {
      for (const bool with_bias : {false, true}) {
        const std::int64_t out = 131;
        const at::Tensor x = random_bf16({rows, 1, in}, 1);
        const at::Tensor weight = random_bf16({out, in}, 2);
        const at::Tensor bias = with_bias ? random_bf16({out}, 3) : at::Tensor();
        const at::Tensor ours = tp::bf16::linear(x, weight, bias);
        REQUIRE(ours.scalar_type() == at::kBFloat16);
        REQUIRE(ours.sizes() == at::IntArrayRef({rows, 1, out}));
        const at::Tensor expected =
            at::linear(x.to(at::kDouble), weight.to(at::kDouble), with_bias ? bias.to(at::kDouble) : at::Tensor());
        const at::Tensor magnitude = at::linear(x.to(at::kDouble).abs(), weight.to(at::kDouble).abs());
        INFO("in " << in << ", rows " << rows << ", bias " << with_bias);
        CHECK(within_one_rounding(ours, expected, magnitude));
      }
    }
  }
}

TEST_CASE("bf16 linear's input gradient equals the fp64 product rounded once", "[bf16]") {
  const at::Tensor grad = random_bf16({2, 9, 131}, 4);
  const at::Tensor weight = random_bf16({131, 901}, 5);
  const at::Tensor ours = tp::bf16::linear_input_grad(grad, weight);
  REQUIRE(ours.sizes() == at::IntArrayRef({2, 9, 901}));
  const at::Tensor expected = at::matmul(grad.to(at::kDouble), weight.to(at::kDouble));
  const at::Tensor magnitude = at::matmul(grad.to(at::kDouble).abs(), weight.to(at::kDouble).abs());
  CHECK(within_one_rounding(ours, expected, magnitude));
}

TEST_CASE("tp::linear differentiates x through a frozen bf16 weight and leaves fp32 to ATen", "[bf16]") {
  const at::Tensor weight = random_bf16({48, 70}, 6);
  const at::Tensor x = random_bf16({3, 6, 70}, 7).requires_grad_(true);
  const at::Tensor y = tp::linear(x, weight);
  REQUIRE(y.requires_grad());
  const at::Tensor upstream = random_bf16({3, 6, 48}, 8);
  y.backward(upstream);
  const at::Tensor expected = at::matmul(upstream.to(at::kDouble), weight.to(at::kDouble));
  const at::Tensor magnitude = at::matmul(upstream.to(at::kDouble).abs(), weight.to(at::kDouble).abs());
  CHECK(within_one_rounding(x.grad(), expected, magnitude));

  const at::Tensor wide = at::randn({4, 70});
  const at::Tensor wide_weight = at::randn({48, 70});
  CHECK(at::equal(tp::linear(wide, wide_weight), at::linear(wide, wide_weight)));
  CHECK_FALSE(tp::bf16::widen_on_this_cpu(wide, wide_weight));
}
