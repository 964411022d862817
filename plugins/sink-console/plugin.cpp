#include "console_sink.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::SinkStage, "console", "0.1.0", "a progress line on a terminal, plain lines elsewhere",
                tp::sinks::ConsoleSink)
