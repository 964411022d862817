#pragma once
// Fans events out to every sink. A failing sink — one that cannot start, or
// throws on an event or when closed — is reported once as a warning and the
// run goes on without it, unless its [[sinks]] entry says strict = true: then
// the failure stops the run, naming the sink.
#include <memory>
#include <string>
#include <vector>

#include "pipeline/pipeline.hpp"
#include "tunepipe/event.hpp"
#include "tunepipe/sink.hpp"
#include "tunepipe/stage.hpp"

namespace tp::core {

class EventBus : public EventEmitter {
 public:
  // Makes the sink from its configured plugin.
  void add_sink(const StageConfig& sink, const StageContext& context);
  void add_sink(std::string label, std::unique_ptr<SinkStage> sink, bool strict = false);
  void emit(Event event) override;
  // Closes every sink, telling it how the run ended; a strict sink's failure
  // to close is thrown when may_throw (not while unwinding from another error).
  void close(RunOutcome outcome, bool may_throw = true);
  ~EventBus() override;

 private:
  struct Entry {
    std::string label;  // "[sinks[0]] console"
    std::unique_ptr<SinkStage> sink;
    bool strict = false;
    bool failed = false;
  };
  // Warns, or throws for a strict sink (unless `may_throw` is false).
  void report_failure(Entry& entry, const std::exception& e, bool may_throw = true);
  std::vector<Entry> sinks_;
  bool closed_ = false;
};

}  // namespace tp::core
