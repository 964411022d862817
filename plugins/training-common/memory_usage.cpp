#include "memory_usage.hpp"

#include <c10/core/CachingDeviceAllocator.h>

#include <fstream>
#include <sstream>
#include <string>

namespace tp::training {

double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    double kib = 0;
    fields >> kib;
    return kib / 1024.0;
  }
  return 0.0;
}

double cuda_peak_allocated_mib(const at::Device& device) {
  const c10::CachingDeviceAllocator::DeviceStats stats = c10::getDeviceAllocator(device.type())->getDeviceStats(device.index());
  const auto aggregate = static_cast<std::size_t>(c10::CachingAllocator::StatType::AGGREGATE);
  return static_cast<double>(stats.allocated_bytes[aggregate].peak) / (1024.0 * 1024.0);
}

}  // namespace tp::training
