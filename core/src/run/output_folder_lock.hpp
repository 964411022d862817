#pragma once
// One run per output folder: an exclusive lock held for the run's life, so a
// second process started on the same folder (a repeated command, two ranks
// of a misconfigured launch) fails at once instead of interleaving files.
#include <filesystem>

namespace tp::core {

class OutputFolderLock {
 public:
  // Throws tp::Error naming the folder and the pid holding it.
  explicit OutputFolderLock(const std::filesystem::path& output_dir);
  ~OutputFolderLock();
  OutputFolderLock(const OutputFolderLock&) = delete;
  OutputFolderLock& operator=(const OutputFolderLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace tp::core
