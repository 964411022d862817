#include "http_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cstdio>
#include <mutex>

#include "tunepipe/error.hpp"

namespace tp::mlflow {
namespace {

void initialise_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t append_to_string(char* data, std::size_t size, std::size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& header) { list = curl_slist_append(list, header.c_str()); }
};

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

struct HttpClient::Handle {
  CURL* curl = nullptr;
  std::chrono::seconds timeout;
  HttpCredentials credentials;
  ~Handle() { curl_easy_cleanup(curl); }

  // Starts a request on the reused connection: every option of the last one is reset.
  void prepare(const std::string& url, std::string& body, char* error_text) {
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_to_string);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "tunepipe-mlflow-sink");
    if (!credentials.token.empty()) {
      curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
      curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, credentials.token.c_str());
    } else if (!credentials.username.empty()) {
      curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
      curl_easy_setopt(curl, CURLOPT_USERNAME, credentials.username.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, credentials.password.c_str());
    }
  }

  HttpResponse perform(const std::string& url, std::string& body, const char* error_text) {
    const CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK)
      throw Error(Location{url}, fmt::format("no answer from the MLflow tracking server: {}",
                                             error_text[0] != '\0' ? error_text : curl_easy_strerror(code)));
    HttpResponse response;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    response.body = std::move(body);
    return response;
  }
};

HttpClient::HttpClient(std::chrono::seconds timeout, HttpCredentials credentials) : handle_(std::make_unique<Handle>()) {
  initialise_curl_once();
  handle_->curl = curl_easy_init();
  if (handle_->curl == nullptr) throw Error("libcurl could not start a session (out of memory?)");
  handle_->timeout = timeout;
  handle_->credentials = std::move(credentials);
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

HttpResponse HttpClient::get(const std::string& url) {
  std::string body;
  char error_text[CURL_ERROR_SIZE] = {};
  handle_->prepare(url, body, error_text);
  return handle_->perform(url, body, error_text);
}

HttpResponse HttpClient::post_json(const std::string& url, const std::string& json) {
  std::string body;
  char error_text[CURL_ERROR_SIZE] = {};
  handle_->prepare(url, body, error_text);
  HeaderList headers;
  headers.add("Content-Type: application/json");
  curl_easy_setopt(handle_->curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(handle_->curl, CURLOPT_POSTFIELDS, json.data());
  curl_easy_setopt(handle_->curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(json.size()));
  return handle_->perform(url, body, error_text);
}

HttpResponse HttpClient::put_bytes(const std::string& url, std::string_view bytes, const char* content_type) {
  std::string body;
  char error_text[CURL_ERROR_SIZE] = {};
  handle_->prepare(url, body, error_text);
  HeaderList headers;
  headers.add(fmt::format("Content-Type: {}", content_type));
  curl_easy_setopt(handle_->curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(handle_->curl, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(handle_->curl, CURLOPT_POSTFIELDS, bytes.data());
  curl_easy_setopt(handle_->curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(bytes.size()));
  return handle_->perform(url, body, error_text);
}

HttpResponse HttpClient::put_file(const std::string& url, const std::filesystem::path& file) {
  const std::unique_ptr<std::FILE, FileCloser> in(std::fopen(file.c_str(), "rb"));
  if (!in) throw Error(Location{file.string()}, "cannot open the file to upload it");
  std::error_code failed;
  const auto size = std::filesystem::file_size(file, failed);
  if (failed) throw Error(Location{file.string()}, fmt::format("cannot read the file's size: {}", failed.message()));
  std::string body;
  char error_text[CURL_ERROR_SIZE] = {};
  handle_->prepare(url, body, error_text);
  HeaderList headers;
  headers.add("Content-Type: application/octet-stream");
  headers.add("Expect:");  // send the body at once instead of waiting for "100 Continue"
  curl_easy_setopt(handle_->curl, CURLOPT_HTTPHEADER, headers.list);
  curl_easy_setopt(handle_->curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(handle_->curl, CURLOPT_READDATA, in.get());
  curl_easy_setopt(handle_->curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
  return handle_->perform(url, body, error_text);
}

std::string HttpClient::escape(std::string_view text) {
  initialise_curl_once();
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  if (escaped == nullptr) throw Error("libcurl could not percent-encode a URL part (out of memory?)");
  std::string result(escaped);
  curl_free(escaped);
  return result;
}

}  // namespace tp::mlflow
