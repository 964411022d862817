#include "console_sink.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::SinkStage, "console", "0.1.0", "plain lines on standard output", tp::sinks::ConsoleSink)
