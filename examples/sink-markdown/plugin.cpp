#include "markdown_sink.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::SinkStage, "markdown", "0.1.0", "a Markdown report of the run's metrics", example::MarkdownSink)
