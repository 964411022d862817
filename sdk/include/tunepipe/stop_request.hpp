#pragma once
// A user's request to stop a run early (the runtime turns the first SIGINT or
// SIGTERM into one). Long-running stages poll it at points where they can stop
// cleanly — the trainer after each optimizer step, where it writes a checkpoint
// — and then throw RunInterrupted.
#include <string>

#include "tunepipe/error.hpp"

namespace tp {

// Safe to call from a signal handler.
void request_stop() noexcept;
bool stop_requested() noexcept;
// Forgets a request (a process that runs several pipelines, and tests).
void clear_stop_request() noexcept;

// A run stopped at the user's request after saving what it could.
class RunInterrupted : public Error {
 public:
  explicit RunInterrupted(std::string message) : Error(std::move(message)) {}
};

}  // namespace tp
