#include "tensorboard_sink.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::SinkStage, "tensorboard", "0.1.0", "TensorBoard event files: scalars, texts, tables",
                tp::sinks::TensorBoardSink)
