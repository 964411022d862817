#include "run/run_identity.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <memory>

namespace tp::core {
namespace {

class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1)
      throw Error("cannot start a SHA-256 digest (OpenSSL)");
  }
  template <class T>
  void add(const std::vector<T>& values) {
    const std::uint64_t count = values.size();  // so that [1,2][3] and [1][2,3] differ
    EVP_DigestUpdate(context_.get(), &count, sizeof count);
    EVP_DigestUpdate(context_.get(), values.data(), values.size() * sizeof(T));
  }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(context_.get(), digest, &size);
    std::string text;
    for (unsigned int i = 0; i < size; ++i) text += fmt::format("{:02x}", digest[i]);
    return text;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context_;
};

}  // namespace

RunIdentity run_identity(const Pipeline& pipeline, const std::vector<TokenizedSample>& train) {
  RunIdentity identity;
  identity.pipeline = pipeline.name;
  identity.settings.emplace_back("pipeline.seed", std::to_string(pipeline.seed));
  // Where the run computes (device, dtype) may change between a run and its
  // resumption; the template and tokenizer are in the data digest.
  const StageConfig& model = *pipeline.model;
  identity.settings.emplace_back("model.plugin", model.plugin->name);
  if (const auto path = model.options.values().find("path"); path != model.options.values().end())
    identity.settings.emplace_back("model.path", to_display(path->second.first));
  if (pipeline.adapter) {
    const StageConfig& adapter = *pipeline.adapter;
    identity.settings.emplace_back("adapter.plugin", adapter.plugin->name);
    for (const auto& [key, entry] : adapter.options.values())
      identity.settings.emplace_back("adapter." + key, to_display(entry.first));
  }
  Sha256 digest;
  for (const TokenizedSample& sample : train) {
    digest.add(sample.input_ids);
    digest.add(sample.labels);
  }
  identity.data_sha256 = digest.hex();
  return identity;
}

}  // namespace tp::core
