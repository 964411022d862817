#pragma once
// Files a resumed run appends to (events, metrics). A run killed mid-write
// (or on a full disk) can leave a torn last line; appending after it would
// glue the next record to the fragment.
#include <cstdint>
#include <filesystem>

namespace tp {

// Cuts the file back to its last complete line ('\n'-terminated) and returns
// how many bytes were dropped (0 when the file is whole, empty or missing).
// Throws tp::Error naming the file when it cannot be read or cut.
std::uintmax_t drop_torn_last_line(const std::filesystem::path& path);
// The same, with a warning on standard error when a line was dropped.
void prepare_to_append(const std::filesystem::path& path);

}  // namespace tp
