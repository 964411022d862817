#include "gguf/byte_reader.hpp"

#include <fmt/format.h>

#include "tunepipe/error.hpp"

namespace tp::gguf {

void ByteReader::fail_at(std::uint64_t at, const std::string& message) const {
  const std::string where = context_.empty() ? std::string() : context_ + ": ";
  throw Error(Location{path_.string()}, fmt::format("{}{} (at byte {})", where, message, at));
}

const std::byte* ByteReader::take(std::uint64_t count, std::string_view what) {
  if (count > remaining())
    fail(fmt::format("the file ends inside {}: {} bytes needed, {} left of {}; the file is truncated or not a GGUF "
                     "file",
                     what, count, remaining(), bytes_.size()));
  const std::byte* start = bytes_.data() + offset_;
  offset_ += count;
  return start;
}

}  // namespace tp::gguf
