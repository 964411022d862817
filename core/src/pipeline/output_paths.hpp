#pragma once
// What a run may write where: output_dir names a folder of its own, and the
// files a sink writes (its PathKind::Output options) stay inside it.
#include <filesystem>

#include "tunepipe/error.hpp"
#include "tunepipe/options.hpp"

namespace tp::core {

// Not empty, not the filesystem root, not the working folder itself.
void check_output_dir(const std::filesystem::path& dir, const Location& where, Diagnostics& errors);

// Each written path of `options` is relative and does not climb out with "..".
void check_written_paths(const OptionSchema& schema, const Options& options, Diagnostics& errors);

}  // namespace tp::core
