#include "media_files.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <array>

#include "tunepipe/atomic_file.hpp"
#include "tunepipe/error.hpp"

namespace tp::sinks::swanlab {
namespace {

std::string sha256_hex(std::string_view content) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(content.data(), content.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1)
    throw Error("cannot compute a SHA-256 digest (OpenSSL)");
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

}  // namespace

MediaFile MediaFolder::write_echarts(std::int64_t step, std::string_view json) const {
  return write("echarts", "json", step, json);
}

MediaFile MediaFolder::write(const char* medium, const char* extension, std::int64_t step,
                             std::string_view content) const {
  MediaFile file;
  file.sha256 = sha256_hex(content);
  file.filename = fmt::format("{:03d}-{}.{}", step, file.sha256.substr(0, 8), extension);
  file.size = static_cast<std::int64_t>(content.size());
  const std::filesystem::path folder = media_dir_ / medium;
  std::filesystem::create_directories(folder);
  write_file_atomically(folder / file.filename, content);
  return file;
}

}  // namespace tp::sinks::swanlab
