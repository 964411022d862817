#pragma once
// The few HTTP requests the MLflow sink makes, through libcurl. A request that
// gets no answer throws a tp::Error naming the URL; any answer, error statuses
// included, is returned for the caller to judge.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace tp::mlflow {

struct HttpResponse {
  long status = 0;
  std::string body;
};

// How requests authenticate: a bearer token, or a user name and password
// (HTTP basic), or nothing when both are empty.
struct HttpCredentials {
  std::string token;
  std::string username;
  std::string password;
};

class HttpClient {
 public:
  // `timeout` bounds connecting, and any stretch of a transfer without progress.
  HttpClient(std::chrono::seconds timeout, HttpCredentials credentials);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  HttpResponse get(const std::string& url);
  HttpResponse post_json(const std::string& url, const std::string& json);
  HttpResponse put_bytes(const std::string& url, std::string_view bytes, const char* content_type);
  HttpResponse put_file(const std::string& url, const std::filesystem::path& file);

  // One path segment or query value, percent-encoded.
  static std::string escape(std::string_view text);

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

}  // namespace tp::mlflow
