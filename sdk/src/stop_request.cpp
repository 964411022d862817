#include "tunepipe/stop_request.hpp"

#include <atomic>

namespace tp {
namespace {

std::atomic<bool> stop_flag{false};
static_assert(std::atomic<bool>::is_always_lock_free, "request_stop runs in a signal handler");

}  // namespace

void request_stop() noexcept { stop_flag.store(true, std::memory_order_relaxed); }
bool stop_requested() noexcept { return stop_flag.load(std::memory_order_relaxed); }
void clear_stop_request() noexcept { stop_flag.store(false, std::memory_order_relaxed); }

}  // namespace tp
