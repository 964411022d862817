#include <ATen/ATen.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "safetensors/dtype_table.hpp"
#include "safetensors/file_error.hpp"
#include "tunepipe/safetensors.hpp"

namespace tp::safetensors {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

namespace {

struct Entry {
  std::string name;
  const Dtype* dtype;
  at::Tensor data;  // contiguous, on the CPU
};

std::vector<Entry> prepare(const std::filesystem::path& path,
                           const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  std::vector<Entry> entries;
  std::set<std::string_view> names;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__") fail(path, "\"__metadata__\" cannot be a tensor name");
    if (!names.insert(name).second) fail(path, fmt::format("tensor \"{}\" is given twice", name));
    if (!tensor.defined()) fail(path, fmt::format("tensor \"{}\" is undefined", name));
    if (tensor.layout() != at::kStrided)
      fail(path, fmt::format("tensor \"{}\" is not dense (layout {})", name, c10::toString(tensor.layout())));
    const Dtype* dtype = dtype_of(tensor.scalar_type());
    if (!dtype)
      fail(path, fmt::format("tensor \"{}\": dtype {} has no safetensors equivalent", name,
                             c10::toString(tensor.scalar_type())));
    entries.push_back(Entry{name, dtype, tensor.detach().resolve_conj().resolve_neg().to(at::kCPU).contiguous()});
  }
  // The reference writer's order (dtype rank down, then name) puts the widest
  // elements first, so with the header padded to 8 bytes every tensor starts
  // aligned for its type, and our files come out byte-identical to its own.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    const std::size_t rank_a = dtype_rank(*a.dtype), rank_b = dtype_rank(*b.dtype);
    return rank_a != rank_b ? rank_a > rank_b : a.name < b.name;
  });
  return entries;
}

std::string header_text(const std::filesystem::path& path, const std::vector<Entry>& entries,
                        const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();  // metadata first, then data order
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const Entry& entry : entries) {
    const std::uint64_t size = entry.data.nbytes();
    header[entry.name] = {{"dtype", entry.dtype->name},
                          {"shape", entry.data.sizes().vec()},
                          {"data_offsets", {offset, offset + size}}};
    offset += size;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::ordered_json::type_error& e) {
    std::string_view message = e.what();
    if (const auto bracket = message.find("] "); bracket != std::string_view::npos) message.remove_prefix(bracket + 2);
    fail(path, fmt::format("a tensor name or metadata string is not valid UTF-8 ({})", message));
  }
  text.resize((text.size() + 7) / 8 * 8, ' ');
  return text;
}

// The file under its temporary name, removed unless committed.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::filesystem::path target)
      : target_(std::move(target)), path_(target_.string() + fmt::format(".tmp-{}", ::getpid())) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) fail(target_, fmt::format("cannot create {}: {}", path_.string(), std::strerror(errno)));
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }

  void write(const void* data, std::size_t size) {
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
      const ssize_t written = ::write(fd_, bytes, std::min<std::size_t>(size, 1 << 30));
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) fail(target_, fmt::format("cannot write {}: {}", path_.string(), std::strerror(errno)));
      bytes += written;
      size -= static_cast<std::size_t>(written);
    }
  }

  void commit() {
    if (::fsync(fd_) != 0) fail(target_, fmt::format("cannot flush {}: {}", path_.string(), std::strerror(errno)));
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail(target_, fmt::format("cannot close {}: {}", path_.string(), std::strerror(errno)));
    if (::rename(path_.c_str(), target_.c_str()) != 0)
      fail(target_, fmt::format("cannot rename {} into place: {}", path_.string(), std::strerror(errno)));
    committed_ = true;
  }

 private:
  std::filesystem::path target_;
  std::filesystem::path path_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace

void write(const std::filesystem::path& path, const std::vector<std::pair<std::string, at::Tensor>>& tensors,
           const std::map<std::string, std::string>& metadata) {
  const std::vector<Entry> entries = prepare(path, tensors);
  const std::string header = header_text(path, entries, metadata);
  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(std::uint64_t{header.size()} >> (8 * i));

  TemporaryFile file(path);
  file.write(length, sizeof length);
  file.write(header.data(), header.size());
  for (const Entry& entry : entries)
    if (entry.data.nbytes() > 0) file.write(entry.data.const_data_ptr(), entry.data.nbytes());
  file.commit();
}

}  // namespace tp::safetensors
