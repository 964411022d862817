#include "tunepipe/atomic_file.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "tunepipe/error.hpp"

namespace tp {

AtomicFile::AtomicFile(std::filesystem::path target) : target_(std::move(target)) {
  std::filesystem::create_directories(target_.parent_path().empty() ? "." : target_.parent_path());
  temporary_ = target_;
  temporary_ += fmt::format(".tmp-{}", ::getpid());
  out_.open(temporary_, std::ios::binary | std::ios::trunc);
  if (!out_) throw Error(Location{temporary_.string()}, "cannot create file (is the folder writable?)");
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  out_.close();
  std::error_code ec;
  std::filesystem::remove(temporary_, ec);
}

void AtomicFile::commit() {
  out_.flush();
  if (!out_) throw Error(Location{temporary_.string()}, "write failed (disk full?)");
  out_.close();
  std::error_code failed;
  std::filesystem::rename(temporary_, target_, failed);
  if (failed)  // the destructor removes the temporary
    throw Error(Location{target_.string()}, fmt::format("cannot move the file into place: {}", failed.message()));
  committed_ = true;
}

void write_file_atomically(const std::filesystem::path& target, std::string_view content) {
  AtomicFile file(target);
  file.stream().write(content.data(), static_cast<std::streamsize>(content.size()));
  file.commit();
}

}  // namespace tp
