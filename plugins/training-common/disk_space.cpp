#include "disk_space.hpp"

#include <fmt/format.h>

#include <limits>

namespace tp::training {

std::uintmax_t available_bytes(const std::filesystem::path& dir) {
  std::error_code ec;
  const std::filesystem::space_info space = std::filesystem::space(dir, ec);
  return ec ? std::numeric_limits<std::uintmax_t>::max() : space.available;
}

std::uintmax_t folder_bytes(const std::filesystem::path& dir) {
  std::uintmax_t bytes = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec))
    if (entry.is_regular_file(ec)) bytes += entry.file_size(ec);
  return bytes;
}

std::string mebibytes(std::uintmax_t bytes) {
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

}  // namespace tp::training
