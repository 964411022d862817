#pragma once
// Writes a file under a temporary name and renames it into place on commit(),
// so a reader never sees half a file; an uncommitted file is removed.
#include <filesystem>
#include <fstream>

namespace tp::core {

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

}  // namespace tp::core
