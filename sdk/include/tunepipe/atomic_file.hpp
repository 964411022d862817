#pragma once
// Writes a file under a temporary name and renames it into place on commit(),
// so a reader never sees half a file; an uncommitted file is removed.
#include <filesystem>
#include <fstream>
#include <string_view>

namespace tp {

class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ofstream& stream() { return out_; }
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temporary_;
  std::ofstream out_;
  bool committed_ = false;
};

// The whole file at once, the same way.
void write_file_atomically(const std::filesystem::path& target, std::string_view content);

}  // namespace tp
