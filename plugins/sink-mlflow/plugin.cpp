#include "mlflow_sink.hpp"
#include "tunepipe/plugin.hpp"

TUNEPIPE_PLUGIN(tp::SinkStage, "mlflow", "0.1.0",
                "an MLflow tracking server: params, metrics, tags, the adapter and tables as artifacts",
                tp::sinks::MlflowSink)
