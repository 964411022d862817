#include "artifact_location.hpp"

#include <fmt/format.h>

#include "http_client.hpp"
#include "tunepipe/error.hpp"

namespace tp::mlflow {
namespace {

constexpr std::string_view kArtifactsRoute = "/api/2.0/mlflow-artifacts/artifacts";

struct UrlParts {
  std::string scheme;     // "http"
  std::string authority;  // "127.0.0.1:5000", may be empty
  std::string path;       // "/prefix", may be empty
};

// "scheme:" then "//authority" when present, then the path.
UrlParts split_url(std::string_view url) {
  UrlParts parts;
  const auto colon = url.find(':');
  parts.scheme = std::string(url.substr(0, colon));
  std::string_view rest = url.substr(colon + 1);
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    const auto slash = rest.find('/');
    parts.authority = std::string(rest.substr(0, slash));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  parts.path = std::string(rest);
  while (!parts.path.empty() && parts.path.back() == '/') parts.path.pop_back();
  return parts;
}

std::string escaped_path(const std::string& relative_path) {
  std::string escaped;
  std::size_t start = 0;
  while (start <= relative_path.size()) {
    std::size_t end = relative_path.find('/', start);
    if (end == std::string::npos) end = relative_path.size();
    escaped += '/' + HttpClient::escape(std::string_view(relative_path).substr(start, end - start));
    start = end + 1;
  }
  return escaped;
}

}  // namespace

std::string artifact_upload_url(const std::string& tracking_uri, const std::string& artifact_uri,
                                const std::string& relative_path) {
  const UrlParts artifacts = split_url(artifact_uri);
  if (artifacts.scheme == "mlflow-artifacts") {
    const UrlParts tracking = split_url(tracking_uri);
    const std::string& authority = artifacts.authority.empty() ? tracking.authority : artifacts.authority;
    return fmt::format("{}://{}{}{}{}{}", tracking.scheme, authority, tracking.path, kArtifactsRoute, artifacts.path,
                       escaped_path(relative_path));
  }
  if ((artifacts.scheme == "http" || artifacts.scheme == "https") && artifacts.path.find(kArtifactsRoute) != std::string::npos)
    return fmt::format("{}://{}{}{}", artifacts.scheme, artifacts.authority, artifacts.path, escaped_path(relative_path));
  throw Error(Location{tracking_uri},
              fmt::format("the run's artifact location \"{}\" is not served by the tracking server, so the sink cannot "
                          "upload to it: start `mlflow server` with artifact serving on (the default; not "
                          "--no-serve-artifacts) and log to an experiment created by that server",
                          artifact_uri));
}

}  // namespace tp::mlflow
