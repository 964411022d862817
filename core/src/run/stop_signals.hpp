#pragma once
// While a run goes on, the first SIGINT or SIGTERM asks it to stop cleanly
// (tp::request_stop: the trainer finishes its step and writes a checkpoint);
// a second one ends the process at once, as the signal would have.
#include <csignal>

namespace tp::core {

class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The signal that asked to stop, 0 if none came.
  static int received();
  // The exit status a process stopped by that signal reports (128 + its number).
  static int exit_status();

 private:
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
};

}  // namespace tp::core
