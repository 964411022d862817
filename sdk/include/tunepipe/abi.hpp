#pragma once
// The plugin ABI: what a plugin and the runtime must agree on before any C++
// object crosses the library boundary.
#include <cstdint>
#ifndef TUNEPIPE_TORCH_VERSION_HEADER
#error "TUNEPIPE_TORCH_VERSION_HEADER is not set: link the target to tunepipe::sdk"
#endif
#include TUNEPIPE_TORCH_VERSION_HEADER

#define TUNEPIPE_SDK_ABI_MAJOR 9
#define TUNEPIPE_SDK_ABI_MINOR 1

#if defined(__clang__)
#define TUNEPIPE_COMPILER_ID "clang-" TUNEPIPE_STRINGIFY(__clang_major__)
#elif defined(__GNUC__)
#define TUNEPIPE_COMPILER_ID "gcc-" TUNEPIPE_STRINGIFY(__GNUC__)
#else
#define TUNEPIPE_COMPILER_ID "unknown"
#endif
#define TUNEPIPE_STRINGIFY_(x) #x
#define TUNEPIPE_STRINGIFY(x) TUNEPIPE_STRINGIFY_(x)

#ifndef TUNEPIPE_FINGERPRINT_ABI_MAJOR
#define TUNEPIPE_FINGERPRINT_ABI_MAJOR TUNEPIPE_SDK_ABI_MAJOR
#endif
#ifndef TUNEPIPE_FINGERPRINT_COMPILER
#define TUNEPIPE_FINGERPRINT_COMPILER TUNEPIPE_COMPILER_ID
#endif
#ifndef TUNEPIPE_FINGERPRINT_CXX11_ABI
#define TUNEPIPE_FINGERPRINT_CXX11_ABI _GLIBCXX_USE_CXX11_ABI
#endif
#ifndef TUNEPIPE_FINGERPRINT_TORCH_VERSION
#define TUNEPIPE_FINGERPRINT_TORCH_VERSION TORCH_VERSION
#endif

namespace tp {

// Plain data, laid out first in every descriptor, so the runtime can read it
// from any plugin — even one built against another SDK — and refuse safely.
struct BuildFingerprint {
  std::uint32_t abi_major;
  std::uint32_t abi_minor;
  const char* compiler;
  int cxx11_abi;
  const char* torch_version;
};

inline constexpr BuildFingerprint this_build_fingerprint() {
  return {TUNEPIPE_FINGERPRINT_ABI_MAJOR, TUNEPIPE_SDK_ABI_MINOR, TUNEPIPE_FINGERPRINT_COMPILER,
          TUNEPIPE_FINGERPRINT_CXX11_ABI, TUNEPIPE_FINGERPRINT_TORCH_VERSION};
}

}  // namespace tp
