#include "swanlab_sink.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::SinkStage, "swanlab", "0.1.0",
                "SwanLab run folders (offline mode): config, charts, tables, log and state, for `swanlab sync`",
                tp::sinks::SwanLabSink)
