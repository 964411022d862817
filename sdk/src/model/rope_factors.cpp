#include "tunepipe/rope_factors.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tp {
namespace {

constexpr double kTolerance = 1e-5;
constexpr std::int64_t kLlama31Context = 8192;

// 2π / frequency of each rotary pair, frequency = theta^(-2i / head_dim).
std::vector<double> wavelengths(std::int64_t head_dim, double theta) {
  std::vector<double> lengths;
  for (std::int64_t i = 0; i < head_dim; i += 2)
    lengths.push_back(2 * std::numbers::pi * std::pow(theta, static_cast<double>(i) / static_cast<double>(head_dim)));
  return lengths;
}

bool close(double a, double b) { return std::abs(a - b) <= kTolerance * std::max(std::abs(a), std::abs(b)); }

}  // namespace

std::vector<double> llama3_rope_factors(const RopeScaling& scaling, std::int64_t head_dim, double theta) {
  const auto context = static_cast<double>(scaling.original_max_position_embeddings);
  const double low_freq_wavelength = context / scaling.low_freq_factor;
  const double high_freq_wavelength = context / scaling.high_freq_factor;
  std::vector<double> factors;
  for (const double wavelength : wavelengths(head_dim, theta)) {
    if (wavelength < high_freq_wavelength) {
      factors.push_back(1.0);
    } else if (wavelength > low_freq_wavelength) {
      factors.push_back(scaling.factor);
    } else {
      const double smooth =
          (context / wavelength - scaling.low_freq_factor) / (scaling.high_freq_factor - scaling.low_freq_factor);
      factors.push_back(1.0 / ((1.0 - smooth) / scaling.factor + smooth));
    }
  }
  return factors;
}

std::optional<RopeScaling> llama3_scaling_of(std::span<const float> factors, std::int64_t head_dim, double theta) {
  const std::vector<double> lengths = wavelengths(head_dim, theta);
  if (factors.size() != lengths.size()) return std::nullopt;
  const double factor = *std::max_element(factors.begin(), factors.end());
  if (std::all_of(factors.begin(), factors.end(), [](float f) { return close(f, 1.0); })) return RopeScaling{};
  if (factor <= 1.0) return std::nullopt;
  // Between the two plateaus the blend s = (1 / f - 1 / factor) / (1 - 1 / factor) is linear in x = 1 / wavelength:
  // s = context / (high - low) · x - low / (high - low), 0 at the last slowed frequency's edge, 1 at the first kept
  // one's. Blended frequencies lie on that line, and the plateaus' nearest frequencies bound it: the line is taken
  // through two of these points.
  std::vector<std::pair<double, double>> points;  // (x, s), x ascending
  double slowed_edge = 0, kept_edge = 0;           // x of the plateaus' frequencies nearest the blend
  for (std::size_t i = lengths.size(); i-- > 0;) {
    const double x = 1.0 / lengths[i];
    if (close(factors[i], factor))
      slowed_edge = std::max(slowed_edge, x);
    else if (close(factors[i], 1.0))
      kept_edge = kept_edge == 0 ? x : std::min(kept_edge, x);
    else
      points.emplace_back(x, (1.0 / factors[i] - 1.0 / factor) / (1.0 - 1.0 / factor));
  }
  if (slowed_edge > 0) points.insert(points.begin(), {slowed_edge, 0.0});
  if (kept_edge > 0) points.emplace_back(kept_edge, 1.0);
  if (points.size() < 2) return std::nullopt;
  // Any line through two of them that gives every factor back says the same of these frequencies.
  for (std::size_t a = 0; a < points.size(); ++a) {
    for (std::size_t b = a + 1; b < points.size(); ++b) {
      const auto [x0, s0] = points[a];
      const auto [x1, s1] = points[b];
      if (!(x1 > x0)) continue;
      const double slope = (s1 - s0) / (x1 - x0);
      const double intercept = s0 - slope * x0;
      if (!(slope > 0) || !(intercept < 0)) continue;
      RopeScaling scaling;
      scaling.type = "llama3";
      scaling.factor = factor;
      scaling.original_max_position_embeddings = kLlama31Context;
      scaling.low_freq_factor = -intercept * static_cast<double>(kLlama31Context) / slope;
      scaling.high_freq_factor = scaling.low_freq_factor + static_cast<double>(kLlama31Context) / slope;
      const std::vector<double> recomputed = llama3_rope_factors(scaling, head_dim, theta);
      bool same = true;
      for (std::size_t i = 0; i < factors.size(); ++i) same = same && close(recomputed[i], factors[i]);
      if (same) return scaling;
    }
  }
  return std::nullopt;
}

}  // namespace tp
