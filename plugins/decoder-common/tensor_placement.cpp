#include "tensor_placement.hpp"

#include <ATen/detail/CUDAHooksInterface.h>
#include <dlfcn.h>
#include <fmt/format.h>

#include <filesystem>
#include <regex>

#include "tunepipe/error.hpp"

namespace tp::decoder {
namespace {

// libtorch_cuda.so registers the CUDA backend when loaded; it lives beside
// libtorch_cpu.so, which we find through one of its own functions. It must be
// loaded before anything asks for the backend: libtorch settles on "no CUDA"
// at the first question and never asks again.
std::string load_cuda_backend() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&at::detail::getCUDAHooks), &info) == 0 || info.dli_fname == nullptr)
    return "cannot locate libtorch's library folder";
  const std::filesystem::path library = std::filesystem::path(info.dli_fname).parent_path() / "libtorch_cuda.so";
  if (!std::filesystem::exists(library)) return fmt::format("{} does not exist (a CPU-only libtorch)", library.string());
  if (dlopen(library.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr)
    return fmt::format("cannot load {}: {}", library.string(), dlerror());
  return at::hasCUDA() ? std::string() : "libtorch's CUDA backend finds no usable GPU";
}

// Loading the CUDA backend costs seconds; `auto` skips it without a GPU driver.
bool nvidia_driver_present() {
  return std::filesystem::exists("/proc/driver/nvidia/version") || std::filesystem::exists("/dev/nvidiactl");
}

}  // namespace

at::ScalarType parse_dtype(const std::string& name) {
  if (name == "fp32") return at::kFloat;
  if (name == "bf16") return at::kBFloat16;
  if (name == "fp16") return at::kHalf;
  throw Error(fmt::format("dtype \"{}\" is not one of fp32, bf16, fp16", name));
}

bool is_device_name(const std::string& name) {
  static const std::regex pattern("auto|cpu|cuda(:[0-9]+)?");
  return std::regex_match(name, pattern);
}

at::Device resolve_device(const std::string& name, int unnumbered_gpu) {
  if (!is_device_name(name)) throw Error(fmt::format("device \"{}\" is not auto, cpu, cuda or cuda:N", name));
  if (name == "cpu") return at::Device(at::kCPU);
  if (name == "auto" && !nvidia_driver_present()) return at::Device(at::kCPU);
  const std::string problem = load_cuda_backend();
  if (name == "auto" && !problem.empty()) return at::Device(at::kCPU);
  if (!problem.empty()) throw Error(fmt::format("device \"{}\": {}", name, problem));
  const at::Device named(name == "auto" ? "cuda" : name);
  const at::Device device =
      named.has_index() ? named : at::Device(at::kCUDA, static_cast<at::DeviceIndex>(unnumbered_gpu));
  const int count = at::detail::getCUDAHooks().getNumGPUs();
  if (device.index() >= count)
    throw Error(fmt::format("device \"{}\"{}: only {} GPU{} visible", name,
                            named.has_index() ? "" : fmt::format(" (GPU {}, the rank's LOCAL_RANK)", device.index()),
                            count, count == 1 ? " is" : "s are"));
  return device;
}

}  // namespace tp::decoder
