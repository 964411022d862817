#pragma once
// The files of media records, under the run folder's media/<medium>/ and named
// as SwanLab's SDK names them, <step, 3 digits at least>-<first 8 hex digits
// of the content's SHA-256>.<extension>: `swanlab sync` uploads each by the
// name its record gives.
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "swanlab_records.hpp"

namespace tp::sinks::swanlab {

class MediaFolder {
 public:
  explicit MediaFolder(std::filesystem::path media_dir) : media_dir_(std::move(media_dir)) {}

  // An ECharts chart or table (its options as JSON) logged at `step`.
  MediaFile write_echarts(std::int64_t step, std::string_view json) const;

 private:
  MediaFile write(const char* medium, const char* extension, std::int64_t step, std::string_view content) const;

  std::filesystem::path media_dir_;
};

}  // namespace tp::sinks::swanlab
