#include "run/output_folder_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "tunepipe/error.hpp"
#include "tunepipe/run_layout.hpp"

namespace tp::core {

namespace {

std::string holder_of(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  const std::string pid = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  return pid.empty() ? "unknown" : pid;
}

}  // namespace

OutputFolderLock::OutputFolderLock(const std::filesystem::path& output_dir) {
  const std::filesystem::path file = output_dir / run_layout::kLockFile;
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw Error(Location{file.string()}, fmt::format("cannot create the run's lock file: {}", std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const std::string holder = holder_of(fd_);
    ::close(fd_);
    fd_ = -1;
    throw Error(Location{output_dir.string()},
                fmt::format("another tunepipe run (pid {}) is using this output folder: wait for it to finish, or give "
                            "this run another output_dir",
                            holder));
  }
  // Without the pid in the file the lock still holds; a second run then names the holder "unknown".
  const std::string pid = std::to_string(::getpid());
  [[maybe_unused]] const bool recorded =
      ::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) == static_cast<ssize_t>(pid.size());
}

OutputFolderLock::~OutputFolderLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

}  // namespace tp::core
