#include "html_sink.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::SinkStage, "html", "0.1.0", "one self-contained HTML report: curves, parameters, tables, environment",
                tp::sinks::HtmlSink)
