#pragma once
// Shared by the libFuzzer harnesses: a per-process scratch folder for parsers
// that only take paths, and the rule for what counts as a finding.
//
// A harness feeds its input to a parser and lets tp::Error through silently:
// refusing bad input with a located message is the parser's job. Anything
// else is a finding: a sanitizer report, a crash, a timeout, running out of
// memory, or an exception other than tp::Error escaping (every parser promises
// errors that name the file and place; a bare nlohmann or std exception does not).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <typeinfo>

#include "tunepipe/error.hpp"

namespace tp::fuzz {

// <tmp>/tunepipe-fuzz-<pid>/, created on first use and removed at exit.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path d = std::filesystem::temp_directory_path() / ("tunepipe-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(std::filesystem::temp_directory_path() /
                                      ("tunepipe-fuzz-" + std::to_string(::getpid())),
                                  ec);
    });
    return d;
  }();
  return dir;
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::fprintf(stderr, "fuzz harness: cannot write %s\n", path.c_str());
    std::abort();
  }
}

inline void remove_file(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

// Runs body; tp::Error is an accepted outcome, any other exception aborts
// (so libFuzzer saves the input) after printing what escaped.
template <class Body>
void expect_tp_errors_only(const char* what, Body&& body) {
  try {
    body();
  } catch (const tp::Error&) {
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\n==fuzz== %s: %s escaped instead of tp::Error: %s\n", what, typeid(e).name(), e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "\n==fuzz== %s: a non-std exception escaped\n", what);
    std::abort();
  }
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace tp::fuzz
