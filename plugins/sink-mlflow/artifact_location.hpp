#pragma once
// Where a file of a run's artifacts is uploaded: a tracking server that serves
// artifacts (`mlflow server`, the default since MLflow 2) gives each run an
// artifact URI `mlflow-artifacts:/<experiment>/<run>/artifacts`, which stands
// for the server's /api/2.0/mlflow-artifacts/artifacts/ route.
#include <string>

namespace tp::mlflow {

// The URL to PUT the file `relative_path` (slash-separated, inside the run's
// artifacts) to, resolved as MLflow's own client resolves it. An artifact URI
// the server does not proxy (a local path, s3://, …) is a tp::Error saying so.
std::string artifact_upload_url(const std::string& tracking_uri, const std::string& artifact_uri,
                                const std::string& relative_path);

}  // namespace tp::mlflow
