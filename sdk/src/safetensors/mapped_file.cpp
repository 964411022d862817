#include "safetensors/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "safetensors/file_error.hpp"

namespace tp::safetensors {

namespace {

struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::shared_ptr<File::Mapping> File::Mapping::open(const std::filesystem::path& path) {
  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) fail(path, std::string("cannot stat: ") + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) fail(path, "not a regular file");

  auto mapping = std::make_shared<Mapping>();
  mapping->size = static_cast<std::size_t>(info.st_size);
  if (mapping->size == 0) return mapping;  // mmap refuses empty files; the header check reports it
  void* bytes = ::mmap(nullptr, mapping->size, PROT_READ, MAP_PRIVATE, file.fd, 0);
  if (bytes == MAP_FAILED) fail(path, std::string("cannot map into memory: ") + std::strerror(errno));
  mapping->bytes = static_cast<const std::byte*>(bytes);
  return mapping;
}

File::Mapping::~Mapping() {
  if (bytes) ::munmap(const_cast<std::byte*>(bytes), size);
}

}  // namespace tp::safetensors
