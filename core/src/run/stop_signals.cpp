#include "run/stop_signals.hpp"

#include <unistd.h>

#include <atomic>
#include <cstring>

#include "tunepipe/stop_request.hpp"

namespace tp::core {
namespace {

std::atomic<int> first_signal{0};

void on_stop_signal(int signal) {
  int expected = 0;
  if (!first_signal.compare_exchange_strong(expected, signal)) {
    // The second one: die of it at once.
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  tp::request_stop();
  static constexpr char kNotice[] =
      "\ntunepipe: stopping after the current step and saving a checkpoint; signal again to stop at once\n";
  [[maybe_unused]] const auto written = ::write(STDERR_FILENO, kNotice, sizeof kNotice - 1);
}

}  // namespace

StopSignals::StopSignals() {
  first_signal.store(0);
  tp::clear_stop_request();
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &previous_int_);
  sigaction(SIGTERM, &action, &previous_term_);
}

StopSignals::~StopSignals() {
  sigaction(SIGINT, &previous_int_, nullptr);
  sigaction(SIGTERM, &previous_term_, nullptr);
}

int StopSignals::received() { return first_signal.load(); }

int StopSignals::exit_status() { return received() != 0 ? 128 + received() : 1; }

}  // namespace tp::core
