// The byte-level formats the sinks write — TensorBoard's TFRecord framing and
// Event protobufs, RFC 4180 CSV — against known vectors (the protobuf bytes
// are what tensorboard's own Python classes serialize for the same messages),
// the `strict` key of [[sinks]] entries, and how the event bus treats a
// failing sink with and without it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../../plugins/sink-csv/csv_format.hpp"
#include "../../plugins/sink-tensorboard/tensorboard_events.hpp"
#include "../../plugins/sink-tensorboard/tfrecord.hpp"
#include "error_capture.hpp"
#include "pipeline/pipeline.hpp"
#include "plugins/plugin_registry.hpp"
#include "run/event_bus.hpp"

using namespace std::string_literals;
namespace fs = std::filesystem;
namespace tb = tp::sinks::tensorboard;

TEST_CASE("crc32c and TensorFlow's masked crc32c of known data") {
  CHECK(tp::sinks::tfrecord::crc32c("123456789") == 0xE3069283u);
  CHECK(tp::sinks::tfrecord::crc32c("") == 0u);
  CHECK(tp::sinks::tfrecord::masked_crc32c("123456789") == 0xC78AB0E5u);
}

TEST_CASE("a TFRecord frames data with its length and masked crcs") {
  CHECK(tp::sinks::tfrecord::record("hello") ==
        "\x05\x00\x00\x00\x00\x00\x00\x00\xea\xb2\x04\x3e"
        "hello"
        "\xbb\x1f\x1c\x19"s);
}

TEST_CASE("Event protobufs serialize as tensorboard's own classes do") {
  const double t = 1700000000.5;
  const std::string time = "\x09\x00\x00\x20\x40\xfc\x54\xd9\x41"s;  // field 1, fixed64: the double
  const std::string text_plugin = "\x4a\x08\x0a\x06\x0a\x04text"s;    // metadata { plugin_data { plugin_name } }

  CHECK(tb::file_version_event(t) == time + "\x1a\x0d" "brain.Event:2");
  CHECK(tb::scalar_event(t, 10, "train/loss", 0.25f) ==
        time + "\x10\x0a\x2a\x13\x0a\x11\x0a\x0atrain/loss\x15\x00\x00\x80\x3e"s);
  CHECK(tb::session_start_event(t, 7) == time + "\x10\x07\x3a\x02\x08\x01"s);
  CHECK(tb::event(1.0, 300).data() == "\x09\x00\x00\x00\x00\x00\x00\xf0\x3f\x10\xac\x02"s);  // a two-byte varint

  SECTION("a text: a 0-d string tensor for the text plugin") {
    CHECK(tb::text_event(t, 3, "note", {"h\xc3\xa9"}, {}) ==
          time + "\x10\x03\x2a\x1d\x0a\x1b\x0a\x04note\x42\x09\x08\x07\x12\x00\x42\x03h\xc3\xa9"s + text_plugin);
  }
  SECTION("a table: a 2-d string tensor, row-major") {
    CHECK(tb::text_event(t, 0, "t", {"a", "b", "1", "2"}, {2, 2}) ==
          time + "\x2a\x29\x0a\x27\x0a\x01t\x42\x18\x08\x07\x12\x08\x12\x02\x08\x02\x12\x02\x08\x02"
                 "\x42\x01" "a\x42\x01" "b\x42\x01" "1\x42\x01" "2"s +
              text_plugin);
  }
}

TEST_CASE("CSV fields are quoted as RFC 4180 says") {
  using tp::sinks::csv_field;
  using tp::sinks::csv_record;
  CHECK(csv_field("train/loss") == "train/loss");
  CHECK(csv_field("") == "");
  CHECK(csv_field(" spaced ") == " spaced ");
  CHECK(csv_field("a,b") == "\"a,b\"");
  CHECK(csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(csv_field("cr\r") == "\"cr\r\"");
  CHECK(csv_field("文本,分类") == "\"文本,分类\"");
  CHECK(csv_record({"1", "x,y", "\""}) == "1,\"x,y\",\"\"\"\"\r\n");
  CHECK(csv_record({}) == "\r\n");
}

namespace {

tp::core::PluginRegistry& installed_plugins() {
  static tp::core::PluginRegistry registry = [] {
    tp::core::PluginRegistry r;
    r.add_default_search_paths();
    r.discover();
    return r;
  }();
  return registry;
}

tp::core::Pipeline load_with_sinks(const std::string& sinks) {
  const std::string root = TUNEPIPE_SOURCE_DIR;
  const fs::path file = fs::temp_directory_path() / "tunepipe-sinks-test.toml";
  std::ofstream(file) << "[model]\nplugin = \"hf\"\npath = \"" << root
                      << "/tests/data/tokenizers/tiny-bpe\"\n\n[dataset]\nplugin = \"jsonl\"\ntrain = \"" << root
                      << "/tests/data/datasets/news.jsonl\"\n\n[template]\nplugin = \"chatml\"\n\n"
                      << sinks;
  tp::Diagnostics warnings;
  return tp::core::load_pipeline(file, installed_plugins(), {}, warnings);
}

}  // namespace

TEST_CASE("a [[sinks]] entry takes strict = true or false, nothing else") {
  const auto pipeline =
      load_with_sinks("[[sinks]]\nplugin = \"jsonl\"\nstrict = true\n\n[[sinks]]\nplugin = \"console\"\n");
  REQUIRE(pipeline.sinks.size() == 2);
  CHECK(pipeline.sinks[0].strict);
  CHECK_FALSE(pipeline.sinks[0].options.has("strict"));
  CHECK_FALSE(pipeline.sinks[1].strict);

  const std::string error = error_of([] { load_with_sinks("[[sinks]]\nplugin = \"jsonl\"\nstrict = \"yes\"\n"); });
  CHECK_THAT(error, Catch::Contains("tunepipe-sinks-test.toml:14:10: error: [sinks[0]] jsonl: \"strict\" must be "
                                    "true or false, not a string"));
  CHECK_THAT(error_of([] { load_with_sinks("[adapter]\nplugin = \"lora\"\nstrict = true\n"); }),
             Catch::Contains("[adapter] lora: unknown key \"strict\""));
}

namespace {

struct Recorder : tp::SinkStage {
  std::vector<std::string>* seen;
  bool fail_on_event = false, fail_on_close = false;
  explicit Recorder(std::vector<std::string>* into) : seen(into) {}
  void on_event(const tp::Event& event) override {
    if (fail_on_event) throw tp::Error(tp::Location{"out/x.csv"}, "disk full");
    seen->push_back(event.name);
  }
  void close(tp::RunOutcome) override {
    if (fail_on_close) throw tp::Error("cannot close");
  }
};

struct OutcomeRecorder : tp::SinkStage {
  std::optional<tp::RunOutcome>* outcome;
  explicit OutcomeRecorder(std::optional<tp::RunOutcome>* into) : outcome(into) {}
  void on_event(const tp::Event&) override {}
  void close(tp::RunOutcome how) override { *outcome = how; }
};

std::unique_ptr<Recorder> recorder(std::vector<std::string>* into, bool fail_on_event, bool fail_on_close = false) {
  auto sink = std::make_unique<Recorder>(into);
  sink->fail_on_event = fail_on_event;
  sink->fail_on_close = fail_on_close;
  return sink;
}

}  // namespace

TEST_CASE("a failing sink is dropped with a warning; a strict one stops the run") {
  std::vector<std::string> good, bad;
  SECTION("not strict: the other sinks go on") {
    tp::core::EventBus bus;
    bus.add_sink("[sinks[0]] bad", recorder(&bad, true));
    bus.add_sink("[sinks[1]] good", recorder(&good, false));
    bus.emit(tp::Event::scalar("trainer", "train/loss", 1.0, 1));
    bus.emit(tp::Event::scalar("trainer", "train/loss", 0.5, 2));
    CHECK_NOTHROW(bus.close(tp::RunOutcome::Finished));
    CHECK(good == std::vector<std::string>{"train/loss", "train/loss"});
    CHECK(bad.empty());
  }
  SECTION("strict: the failure is the run's error, naming the sink and the place") {
    tp::core::EventBus bus;
    bus.add_sink("[sinks[1]] good", recorder(&good, false));
    bus.add_sink("[sinks[2]] csv", recorder(&bad, true), true);
    CHECK(error_of([&] { bus.emit(tp::Event::scalar("trainer", "train/loss", 1.0, 1)); }) ==
          "out/x.csv: error: [sinks[2]] csv: disk full (the sink failed and its entry says strict = true, so the run "
          "stops)");
    CHECK(good.size() == 1);
  }
  SECTION("strict: a failure to close is the run's error too, after every sink has closed") {
    std::vector<std::string> other;
    tp::core::EventBus bus;
    bus.add_sink("[sinks[0]] a", recorder(&good, false, true), true);
    bus.add_sink("[sinks[1]] b", recorder(&other, false, true));
    CHECK_THAT(error_of([&] { bus.close(tp::RunOutcome::Finished); }), Catch::Contains("[sinks[0]] a: cannot close"));
    CHECK_NOTHROW(bus.close(tp::RunOutcome::Finished));
  }
  SECTION("every sink learns how the run ended; a bus destroyed unclosed says it failed") {
    std::optional<tp::RunOutcome> closed, unwound;
    {
      tp::core::EventBus bus;
      bus.add_sink("[sinks[0]] a", std::make_unique<OutcomeRecorder>(&closed));
      bus.close(tp::RunOutcome::Interrupted);
      tp::core::EventBus unwinding;
      unwinding.add_sink("[sinks[0]] b", std::make_unique<OutcomeRecorder>(&unwound));
    }
    CHECK(closed == tp::RunOutcome::Interrupted);
    CHECK(unwound == tp::RunOutcome::Failed);
  }
  SECTION("a bus destroyed while another error unwinds never throws") {
    auto bus = std::make_unique<tp::core::EventBus>();
    bus->add_sink("[sinks[0]] a", recorder(&good, false, true), true);
    CHECK_NOTHROW(bus.reset());
  }
}
