#include "jsonl_sink.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::SinkStage, "jsonl", "0.1.0", "every event as a JSON line in the output folder", tp::sinks::JsonlSink)
