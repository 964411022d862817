#pragma once
// Fans events out to every sink. A failing sink is reported once as a warning
// and the run goes on.
#include <memory>
#include <string>
#include <vector>

#include "tunepipe/event.hpp"
#include "tunepipe/sink.hpp"

namespace tp::core {

class EventBus : public EventEmitter {
 public:
  void add_sink(std::string label, std::unique_ptr<SinkStage> sink);
  void emit(Event event) override;
  void close();
  ~EventBus() override;

 private:
  struct Entry {
    std::string label;  // "[sinks[0]] console"
    std::unique_ptr<SinkStage> sink;
    bool failed = false;
  };
  void report_failure(Entry& entry, const std::string& what);
  std::vector<Entry> sinks_;
  bool closed_ = false;
};

}  // namespace tp::core
