#include "bf16_kernels.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/cpu/Utils.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "tunepipe/error.hpp"

namespace tp::bf16 {
namespace {

// The helpers have internal linkage and are always inlined into dot_rows, so the
// vector-argument ABI GCC warns about never crosses a call.
#pragma GCC diagnostic ignored "-Wpsabi"

// 16 lanes in GCC vector extensions: one body, compiled below per instruction set.
using Floats = float __attribute__((vector_size(64)));
using Halves = std::uint16_t __attribute__((vector_size(32)));
using Words = std::uint32_t __attribute__((vector_size(64)));
constexpr std::int64_t kLanes = 16;

// bf16 is the high half of an fp32: widening is exact.
[[gnu::always_inline]] inline Floats widen(const std::uint16_t* p) {
  Halves halves;
  std::memcpy(&halves, p, sizeof halves);
  const Words words = __builtin_convertvector(halves, Words) << 16;
  Floats floats;
  std::memcpy(&floats, &words, sizeof floats);
  return floats;
}

[[gnu::always_inline]] inline float widen(std::uint16_t bits) {
  const std::uint32_t word = static_cast<std::uint32_t>(bits) << 16;
  float value;
  std::memcpy(&value, &word, sizeof value);
  return value;
}

using Floats8 = float __attribute__((vector_size(32)));
using Floats4 = float __attribute__((vector_size(16)));

[[gnu::always_inline]] inline float lane_sum(const Floats& v) {
  const Floats8 eight = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                        __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  const Floats4 four = __builtin_shufflevector(eight, eight, 0, 1, 2, 3) +
                       __builtin_shufflevector(eight, eight, 4, 5, 6, 7);
  return (four[0] + four[2]) + (four[1] + four[3]);
}

// out[m * out_stride + r] = Σ_k weight[r][k] · x[m][k] for kRows weight rows from r
// and the kCount rows of x; each weight row is read once. Decoding is bound by
// reading the weight: several rows in flight at once, two accumulators each, and
// a software prefetch of every row's cache line 8 KiB ahead (rows are short, so the
// hardware prefetcher keeps restarting) bring it near the machine's read bandwidth.
template <int kCount, int kRows>
[[gnu::always_inline]] inline void dot_row_group(const std::uint16_t* weight, std::int64_t in, std::int64_t r,
                                                 const float* x, float* out, std::int64_t out_stride) {
  constexpr std::int64_t kStep = 2 * kLanes;  // one 64-byte cache line of bf16
  constexpr std::int64_t kPrefetchAhead = 4096;  // elements
  const std::int64_t unrolled_end = in - in % kStep;
  Floats acc[kRows][kCount][2] = {};
  for (std::int64_t k = 0; k < unrolled_end; k += kStep) {
    Floats v[kCount][2];
#pragma GCC unroll 4
    for (int m = 0; m < kCount; ++m) {
      std::memcpy(&v[m][0], x + m * in + k, sizeof(Floats));
      std::memcpy(&v[m][1], x + m * in + k + kLanes, sizeof(Floats));
    }
#pragma GCC unroll 4
    for (int g = 0; g < kRows; ++g) {
      const std::uint16_t* row = weight + (r + g) * in;
      __builtin_prefetch(row + k + kPrefetchAhead);
      const Floats low = widen(row + k), high = widen(row + k + kLanes);
#pragma GCC unroll 4
      for (int m = 0; m < kCount; ++m) {
        acc[g][m][0] += low * v[m][0];
        acc[g][m][1] += high * v[m][1];
      }
    }
  }
#pragma GCC unroll 4
  for (int g = 0; g < kRows; ++g) {
    const std::uint16_t* row = weight + (r + g) * in;
#pragma GCC unroll 4
    for (int m = 0; m < kCount; ++m) {
      float sum = lane_sum(acc[g][m][0] + acc[g][m][1]);
      for (std::int64_t k = unrolled_end; k < in; ++k) sum += widen(row[k]) * x[m * in + k];
      out[m * out_stride + r + g] = sum;
    }
  }
}

// Weight rows [begin, end): four at a time for up to two rows of x, two for more
// (the accumulators must stay in registers), the remainder one by one.
template <int kCount>
[[gnu::always_inline]] inline void dot_rows_of(const std::uint16_t* weight, std::int64_t in, std::int64_t begin,
                                               std::int64_t end, const float* x, float* out,
                                               std::int64_t out_stride) {
  constexpr int kRows = kCount <= 2 ? 4 : 2;
  std::int64_t r = begin;
  for (; r + kRows <= end; r += kRows) dot_row_group<kCount, kRows>(weight, in, r, x, out, out_stride);
  for (; r < end; ++r) dot_row_group<kCount, 1>(weight, in, r, x, out, out_stride);
}

__attribute__((target_clones("avx512f", "avx2", "default")))
void dot_rows(const std::uint16_t* weight, std::int64_t in, std::int64_t begin, std::int64_t end, const float* x,
              std::int64_t count, float* out, std::int64_t out_stride) {
  static_assert(kMaxDotRows == 4);
  switch (count) {
    case 1: return dot_rows_of<1>(weight, in, begin, end, x, out, out_stride);
    case 2: return dot_rows_of<2>(weight, in, begin, end, x, out, out_stride);
    case 3: return dot_rows_of<3>(weight, in, begin, end, x, out, out_stride);
    default: return dot_rows_of<4>(weight, in, begin, end, x, out, out_stride);
  }
}

// Calls use(start, block) for consecutive blocks of the weight's rows widened to
// fp32, [n, in] from row `start`. A block is at most 8 MiB, so the one scratch
// buffer stays in the allocator instead of being mapped afresh on every call.
template <typename Use>
void for_each_widened_block(const at::Tensor& weight, Use&& use) {
  const std::int64_t out = weight.size(0), in = weight.size(1);
  const std::int64_t step = std::max<std::int64_t>(1, (std::int64_t{1} << 21) / in);
  at::Tensor scratch = at::empty({std::min(step, out), in}, weight.options().dtype(at::kFloat));
  for (std::int64_t start = 0; start < out; start += step) {
    const std::int64_t n = std::min(step, out - start);
    at::Tensor block = scratch.narrow(0, 0, n);
    block.copy_(weight.narrow(0, start, n));
    use(start, block);
  }
}

bool cpu_has_native_bf16() {
  static const bool native = [] {
    const auto capabilities = at::cpu::get_cpu_capabilities();
    const auto has = [&](const char* key) {
      const auto it = capabilities.find(key);
      return it != capabilities.end() && it->second.isBool() && it->second.toBool();
    };
    return has("avx512_bf16") || has("amx_bf16");
  }();
  return native;
}

// TUNEPIPE_BF16_KERNELS: "" (unset: by the CPU), "aten" or "widen"; anything else is an error.
const std::string& forced_choice() {
  static const std::string choice = [] {
    const char* setting = std::getenv("TUNEPIPE_BF16_KERNELS");
    const std::string value = setting == nullptr ? "" : setting;
    if (!value.empty() && value != "aten" && value != "widen")
      throw Error(fmt::format("TUNEPIPE_BF16_KERNELS=\"{}\": set it to \"aten\" (ATen's bf16 matmul) or \"widen\" "
                              "(bf16 weights widened to fp32), or unset it to choose by the CPU",
                              value));
    return value;
  }();
  return choice;
}

at::Tensor round_to_bf16(const at::Tensor& wide, const at::Tensor& bias, const at::IntArrayRef leading,
                         std::int64_t width) {
  at::Tensor result = bias.defined() ? wide.add_(bias.to(at::kFloat)) : wide;
  std::vector<std::int64_t> shape(leading.begin(), leading.end());
  shape.push_back(width);
  return result.to(at::kBFloat16).view(shape);
}

}  // namespace

bool widen_on_this_cpu(const at::Tensor& x, const at::Tensor& weight) {
  if (!x.is_cpu() || x.scalar_type() != at::kBFloat16 || weight.scalar_type() != at::kBFloat16) return false;
  const std::string& choice = forced_choice();
  if (!choice.empty()) return choice == "widen";
  return !cpu_has_native_bf16();
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  const std::int64_t in = weight.size(1), out = weight.size(0);
  const at::Tensor rows = x.reshape({-1, in}).to(at::kFloat).contiguous();
  const std::int64_t count = rows.size(0);
  const at::Tensor w = weight.contiguous();
  at::Tensor result;
  if (count <= kMaxDotRows) {
    result = at::empty({count, out}, rows.options());
    const auto* weight_bits = reinterpret_cast<const std::uint16_t*>(w.data_ptr<at::BFloat16>());
    const float* x_data = rows.data_ptr<float>();
    float* out_data = result.data_ptr<float>();
    at::parallel_for(0, out, 64, [&](std::int64_t begin, std::int64_t end) {
      dot_rows(weight_bits, in, begin, end, x_data, count, out_data, out);
    });
  } else {
    // [out, count] so that each widened block of weight rows fills contiguous output rows.
    at::Tensor transposed = at::empty({out, count}, rows.options());
    for_each_widened_block(w, [&](std::int64_t start, const at::Tensor& block) {
      at::Tensor target = transposed.narrow(0, start, block.size(0));
      at::mm_out(target, block, rows.t());
    });
    result = transposed.t().contiguous();
  }
  return round_to_bf16(result, bias, x.sizes().slice(0, x.dim() - 1), out);
}

at::Tensor linear_input_grad(const at::Tensor& grad, const at::Tensor& weight) {
  const std::int64_t in = weight.size(1), out = weight.size(0);
  const at::Tensor rows = grad.reshape({-1, out}).to(at::kFloat).contiguous();
  at::Tensor result = at::zeros({rows.size(0), in}, rows.options());
  for_each_widened_block(weight.contiguous(), [&](std::int64_t start, const at::Tensor& block) {
    result.addmm_(rows.narrow(1, start, block.size(0)), block);
  });
  return round_to_bf16(result, at::Tensor(), grad.sizes().slice(0, grad.dim() - 1), in);
}

}  // namespace tp::bf16
