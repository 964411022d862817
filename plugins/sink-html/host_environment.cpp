#include "host_environment.hpp"

#include <fmt/format.h>
#include <sys/utsname.h>

#include <fstream>
#include <optional>
#include <thread>

#include "tunepipe/abi.hpp"

namespace tp::html {
namespace {

// The value of the first "key<sep>value" line of a text file such as
// /proc/cpuinfo or /etc/os-release, with surrounding blanks and quotes removed.
std::optional<std::string> read_field(const char* file, std::string_view key, char separator) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find(separator);
    if (at == std::string::npos) continue;
    std::string name = line.substr(0, at);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    if (name != key) continue;
    std::string value = line.substr(at + 1);
    const auto first = value.find_first_not_of(" \t\"");
    const auto last = value.find_last_not_of(" \t\"");
    return first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
  }
  return std::nullopt;
}

std::string operating_system() {
  utsname names{};
  const std::string kernel = ::uname(&names) == 0 ? fmt::format("{} {} {}", names.sysname, names.release, names.machine)
                                                  : std::string("unknown kernel");
  if (const auto distribution = read_field("/etc/os-release", "PRETTY_NAME", '='))
    return fmt::format("{} ({})", *distribution, kernel);
  return kernel;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> describe_host() {
  const BuildFingerprint build = this_build_fingerprint();
  const unsigned threads = std::thread::hardware_concurrency();
  return {
      {"tunepipe", TUNEPIPE_VERSION},
      {"SDK ABI", fmt::format("{}.{}", build.abi_major, build.abi_minor)},
      {"libtorch", build.torch_version},
      {"compiler", fmt::format("{} (C++11 ABI {})", build.compiler, build.cxx11_abi)},
      {"CPU", read_field("/proc/cpuinfo", "model name", ':').value_or("unknown")},
      {"hardware threads", threads > 0 ? std::to_string(threads) : std::string("unknown")},
      {"operating system", operating_system()},
  };
}

}  // namespace tp::html
