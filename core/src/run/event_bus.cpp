#include "run/event_bus.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

namespace tp::core {

void EventBus::add_sink(std::string label, std::unique_ptr<SinkStage> sink) {
  sinks_.push_back(Entry{std::move(label), std::move(sink)});
}

void EventBus::report_failure(Entry& entry, const std::string& what) {
  if (!entry.failed) fmt::print(stderr, "warning: {} failed, the run goes on without it: {}\n", entry.label, what);
  entry.failed = true;
}

void EventBus::emit(Event event) {
  if (event.wall_time == 0.0)
    event.wall_time = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (Entry& entry : sinks_) {
    if (entry.failed) continue;
    try {
      entry.sink->on_event(event);
    } catch (const std::exception& e) {
      report_failure(entry, e.what());
    }
  }
}

void EventBus::close() {
  if (closed_) return;
  closed_ = true;
  for (Entry& entry : sinks_) {
    try {
      entry.sink->close();
    } catch (const std::exception& e) {
      report_failure(entry, e.what());
    }
  }
}

EventBus::~EventBus() { close(); }

}  // namespace tp::core
