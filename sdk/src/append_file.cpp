#include "tunepipe/append_file.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <system_error>

#include "tunepipe/error.hpp"

namespace tp {

std::uintmax_t drop_torn_last_line(const std::filesystem::path& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec || size == 0) return 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Location{path.string()}, "cannot read it to append to it");
  // Read backwards in blocks until the last '\n'.
  constexpr std::uintmax_t kBlock = 64 * 1024;
  std::string block;
  std::uintmax_t end = size;
  std::uintmax_t keep = 0;
  bool found = false;
  while (end > 0 && !found) {
    const std::uintmax_t begin = end > kBlock ? end - kBlock : 0;
    block.resize(static_cast<std::size_t>(end - begin));
    in.seekg(static_cast<std::streamoff>(begin));
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    if (!in) throw Error(Location{path.string()}, "cannot read it to append to it");
    if (end == size && block.back() == '\n') return 0;
    if (const auto at = block.rfind('\n'); at != std::string::npos) {
      keep = begin + at + 1;
      found = true;
    }
    end = begin;
  }
  in.close();
  std::filesystem::resize_file(path, keep, ec);
  if (ec)
    throw Error(Location{path.string()},
                fmt::format("its last line is torn (an earlier run stopped while writing it) and it cannot be cut "
                            "off: {}",
                            ec.message()));
  return size - keep;
}

void prepare_to_append(const std::filesystem::path& path) {
  if (const std::uintmax_t dropped = drop_torn_last_line(path); dropped > 0)
    fmt::print(stderr, "warning: {}: dropped a torn last line ({} bytes) that an interrupted run left, before "
                       "appending\n",
               path.string(), dropped);
}

}  // namespace tp
