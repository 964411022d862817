#include "csv_sink.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::SinkStage, "csv", "0.1.0", "scalars as CSV rows (step, name, value, wall_time), tables as files",
                tp::sinks::CsvSink)
