#include "run/event_bus.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <exception>

#include "run/stage_factory.hpp"

namespace tp::core {
namespace {

// What went wrong, without the "[sinks[i]] plugin: " prefix the bus adds itself.
Diagnostic failure_of(const std::exception& e, const std::string& label) {
  const auto* error = dynamic_cast<const Error*>(&e);
  std::string message = error ? error->message() : e.what();
  if (message.starts_with(label + ": ")) message.erase(0, label.size() + 2);
  return Diagnostic{error ? error->where() : Location{}, std::move(message)};
}

std::string located(const Diagnostic& failure) {
  return failure.where.known() ? fmt::format("{}: {}", failure.where.str(), failure.message) : failure.message;
}

}  // namespace

void EventBus::add_sink(const StageConfig& sink, const StageContext& context) {
  const std::string label = fmt::format("[{}] {}", sink.section, sink.plugin->name);
  try {
    add_sink(label, create_stage<SinkStage>(sink, context), sink.strict);
  } catch (const std::exception& e) {
    Entry entry{label, nullptr, sink.strict};
    report_failure(entry, e);
  }
}

void EventBus::add_sink(std::string label, std::unique_ptr<SinkStage> sink, bool strict) {
  sinks_.push_back(Entry{std::move(label), std::move(sink), strict});
}

void EventBus::report_failure(Entry& entry, const std::exception& e, bool may_throw) {
  const bool first = !entry.failed;
  entry.failed = true;
  const Diagnostic failure = failure_of(e, entry.label);
  if (entry.strict && may_throw)
    throw Error(failure.where, fmt::format("{}: {} (the sink failed and its entry says strict = true, so the "
                                           "run stops)",
                                           entry.label, failure.message));
  if (first)
    fmt::print(stderr, "warning: {} failed, the run goes on without it: {}\n", entry.label, located(failure));
}

void EventBus::emit(Event event) {
  if (event.wall_time == 0.0)
    event.wall_time = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (Entry& entry : sinks_) {
    if (entry.failed) continue;
    try {
      entry.sink->on_event(event);
    } catch (const std::exception& e) {
      report_failure(entry, e);
    }
  }
}

void EventBus::close(RunOutcome outcome, bool may_throw) {
  if (closed_) return;
  closed_ = true;
  std::exception_ptr strict_failure;
  for (Entry& entry : sinks_) {
    if (entry.sink == nullptr) continue;
    try {
      entry.sink->close(outcome);
    } catch (const std::exception& e) {
      try {
        report_failure(entry, e, may_throw);
      } catch (const Error&) {
        if (!strict_failure) strict_failure = std::current_exception();  // the other sinks still close
      }
    }
  }
  if (strict_failure) std::rethrow_exception(strict_failure);
}

EventBus::~EventBus() { close(RunOutcome::Failed, /*may_throw=*/false); }

}  // namespace tp::core
