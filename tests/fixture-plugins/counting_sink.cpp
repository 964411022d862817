// A sink that counts the events it receives; built several times with forged
// fingerprints to test that the loader refuses what it cannot run.
#include "tunepipe/plugin.hpp"
#include "tunepipe/sink.hpp"

namespace {

class CountingSink : public tp::SinkStage {
 public:
  CountingSink(const tp::Options&, const tp::StageContext&) {}
  static tp::OptionSchema schema() { return {}; }
  void on_event(const tp::Event&) override { ++count_; }

 private:
  long count_ = 0;
};

}  // namespace

TUNEPIPE_PLUGIN(tp::SinkStage, FIXTURE_NAME, "0.0.1", "counts events (loader test fixture)", CountingSink)
