#pragma once
// A whole file mapped read-only; tensor views share ownership of it, so the
// mapping lives as long as the last view.
#include <cstddef>
#include <filesystem>
#include <memory>

#include "tunepipe/safetensors.hpp"

namespace tp::safetensors {

struct File::Mapping {
  static std::shared_ptr<Mapping> open(const std::filesystem::path& path);
  ~Mapping();

  const std::byte* bytes = nullptr;
  std::size_t size = 0;
};

}  // namespace tp::safetensors
