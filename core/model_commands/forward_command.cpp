// `tunepipe forward`: a model's logits (and loss) for token ids on stdin, written
// as safetensors, so tests can compare them with the Python reference stack.
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "model_commands.hpp"
#include "model_loading.hpp"
#include "util/token_ids.hpp"
#include "pipeline/pipeline.hpp"
#include "run/stage_factory.hpp"
#include "tunepipe/causal_lm.hpp"
#include "tunepipe/model.hpp"
#include "tunepipe/safetensors.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "--model DIR [--adapter DIR] --out FILE.safetensors [--dtype fp32|bf16|fp16] [--device cpu|cuda[:N]|auto] [--labels FILE] "
    "[--position-ids FILE] [--incremental [--prefill N]] [--prefix FILE.safetensors] [--embeds] [--timings] < ids";

using Rows = std::vector<std::vector<std::int64_t>>;

Rows read_rows(std::istream& in, const std::string& source) {
  Rows rows;
  std::string line;
  std::uint32_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::vector<std::int64_t> row = parse_token_ids(line, Location{source, number});
    if (row.empty()) throw Error(Location{source, number}, "empty line: every line holds one sequence");
    rows.push_back(std::move(row));
  }
  if (rows.empty()) throw Error(Location{source}, "no sequences");
  return rows;
}

// Shorter rows are left-padded with `fill`; the mask marks the real tokens.
at::Tensor left_padded(const Rows& rows, std::int64_t length, std::int64_t fill) {
  at::Tensor out = at::full({static_cast<std::int64_t>(rows.size()), length}, fill, at::kLong);
  for (std::size_t b = 0; b < rows.size(); ++b) {
    const auto n = static_cast<std::int64_t>(rows[b].size());
    out[static_cast<std::int64_t>(b)].narrow(0, length - n, n).copy_(at::tensor(rows[b], at::kLong));
  }
  return out;
}

std::int64_t longest(const Rows& rows) {
  std::size_t length = 0;
  for (const auto& row : rows) length = std::max(length, row.size());
  return static_cast<std::int64_t>(length);
}

void check_ids(const Rows& rows, std::int64_t vocab_size) {
  for (std::size_t b = 0; b < rows.size(); ++b)
    for (std::int64_t id : rows[b])
      if (id < 0 || id >= vocab_size)
        throw Error(Location{"<stdin>", static_cast<std::uint32_t>(b + 1)},
                    fmt::format("token id {} is outside the vocabulary [0, {})", id, vocab_size));
}

// One line of `what` (labels, position ids) per sequence, as long as it.
Rows read_aligned_rows(const std::string& path, const Rows& ids, const char* what) {
  std::ifstream in(path);
  if (!in) throw Error(Location{path}, fmt::format("cannot read the {} file", what));
  Rows rows = read_rows(in, path);
  if (rows.size() != ids.size())
    throw Error(Location{path}, fmt::format("{} lines of {} for {} sequences", rows.size(), what, ids.size()));
  for (std::size_t b = 0; b < ids.size(); ++b)
    if (rows[b].size() != ids[b].size())
      throw Error(Location{path, static_cast<std::uint32_t>(b + 1)},
                  fmt::format("{} {} for a sequence of {} tokens", rows[b].size(), what, ids[b].size()));
  return rows;
}

// Keys "layers.<i>.keys" / "layers.<i>.values", [batch or 1, kv_heads, prefix, head_dim] each.
std::vector<std::pair<at::Tensor, at::Tensor>> read_prefix(const std::string& path, std::int64_t layers) {
  const auto file = safetensors::File::open(path);
  std::vector<std::pair<at::Tensor, at::Tensor>> prefix;
  for (std::int64_t i = 0; i < layers; ++i)
    prefix.emplace_back(file->tensor(fmt::format("layers.{}.keys", i)).clone(),
                        file->tensor(fmt::format("layers.{}.values", i)).clone());
  return prefix;
}

// The mean cross-entropy of each token predicting the next label, -100 ignored
// (transformers' causal LM loss).
at::Tensor next_token_loss(const at::Tensor& logits, const at::Tensor& labels) {
  const std::int64_t vocab = logits.size(-1);
  const at::Tensor predictions = logits.narrow(1, 0, logits.size(1) - 1).reshape({-1, vocab}).to(at::kFloat);
  const at::Tensor targets = labels.narrow(1, 1, labels.size(1) - 1).reshape({-1}).to(logits.device());
  return at::cross_entropy_loss(predictions, targets, {}, at::Reduction::Mean, -100);
}

struct ForwardRequest {
  at::Tensor ids, mask;
  at::Tensor positions;  // given: rows of equal length, no mask (packed rows, as transformers takes them)
  bool incremental = false;
  std::int64_t prefill = 1;
  bool via_embeds = false;
  std::vector<std::pair<at::Tensor, at::Tensor>> prefix;
};

at::Tensor run_forward(const CausalLM& model, const ForwardRequest& request) {
  auto input_for = [&](std::int64_t begin, std::int64_t count, KVCache* cache) {
    ForwardInput input;
    const at::Tensor ids = request.ids.narrow(1, begin, count);
    if (request.via_embeds)
      input.inputs_embeds = model.embed(ids);
    else
      input.input_ids = ids;
    if (request.positions.defined())
      input.position_ids = request.positions.narrow(1, begin, count);
    else
      input.attention_mask = request.mask.narrow(1, 0, begin + count);
    input.cache = cache;
    input.layer_prefix = request.prefix;
    return input;
  };
  const std::int64_t tokens = request.ids.size(1);
  if (!request.incremental) return model.logits(input_for(0, tokens, nullptr));
  KVCache cache;
  const std::int64_t first = std::min(request.prefill, tokens);
  std::vector<at::Tensor> steps{model.logits(input_for(0, first, &cache))};
  for (std::int64_t t = first; t < tokens; ++t) steps.push_back(model.logits(input_for(t, 1, &cache)));
  return at::cat(steps, 1);
}

}  // namespace

int run_command_forward(const std::vector<std::string>& args) {
  po::options_description options("forward options");
  options.add_options()("model", po::value<std::string>()->required(), "HF checkpoint folder or GGUF file")(
      "adapter", po::value<std::string>(), kAdapterHelp)(
      "out", po::value<std::string>()->required(), "safetensors file to write: logits, attention_mask (and loss)")(
      "dtype", po::value<std::string>()->default_value("auto"),
      "auto (the checkpoint's own, from its config.json; fp32 when it names none), fp32, bf16 or fp16")(
      "device", po::value<std::string>()->default_value("cpu"), "cpu, cuda, cuda:N or auto")(
      "labels", po::value<std::string>(), "file with one line of labels per sequence (-100: not trained); adds loss")(
      "position-ids", po::value<std::string>(),
      "file with one line of position ids per sequence, all of one length; restarting positions pack several "
      "samples into a row, each attending only to itself")(
      "incremental", "decode through the KV cache: --prefill tokens at once, then one token per step")(
      "prefill", po::value<std::int64_t>()->default_value(1), "with --incremental: tokens of the first step")(
      "prefix", po::value<std::string>(), "safetensors file with a per-layer key/value prefix (layers.<i>.keys/values)")(
      "embeds", "feed the model embed(ids) as inputs_embeds instead of the ids")(
      "timings", "print load and forward seconds, and the Unix time of the first logits, as JSON on stderr");
  const ParsedArgs parsed = parse_command_line("forward", kUsage, options, {}, args);
  if (parsed.help_shown) return 0;
  const po::variables_map& values = parsed.values;

  using Clock = std::chrono::steady_clock;
  const auto load_start = Clock::now();
  const LoadedModel loaded = load_model(values["model"].as<std::string>(), values["dtype"].as<std::string>(),
                                        values["device"].as<std::string>(), adapter_option(values));
  const auto load_end = Clock::now();
  const std::shared_ptr<CausalLM>& model = loaded.model;

  const Rows rows = read_rows(std::cin, "<stdin>");
  check_ids(rows, model->config().vocab_size);
  const std::int64_t length = longest(rows);
  ForwardRequest request;
  request.ids = left_padded(rows, length, model->config().pad_token_id.value_or(0));
  Rows ones;
  for (const auto& row : rows) ones.emplace_back(row.size(), 1);
  request.mask = left_padded(ones, length, 0);
  request.incremental = values.count("incremental") > 0;
  request.prefill = values["prefill"].as<std::int64_t>();
  if (request.prefill < 1) throw UsageError("--prefill must be at least 1");
  request.via_embeds = values.count("embeds") > 0;
  if (values.count("prefix")) request.prefix = read_prefix(values["prefix"].as<std::string>(), model->config().num_layers);
  if (values.count("position-ids")) {
    if (request.incremental)
      throw UsageError("--position-ids is for a forward without the KV cache: drop --incremental");
    const std::string path = values["position-ids"].as<std::string>();
    for (const auto& row : rows)
      if (static_cast<std::int64_t>(row.size()) != length)
        throw Error(Location{path}, "with --position-ids every sequence has the same length (rows take no padding)");
    request.positions = left_padded(read_aligned_rows(path, rows, "position ids"), length, 0);
  }

  const at::NoGradGuard no_grad;
  const auto forward_start = Clock::now();
  const at::Tensor logits = call_plugin("model", loaded.plugin, [&] { return run_forward(*model, request); });
  if (values.count("timings")) {
    // Wall-clock time, so a caller can measure from before it started this process.
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const auto seconds = [](auto duration) { return std::chrono::duration<double>(duration).count(); };
    fmt::print(stderr,
               "{{\"load_s\": {:.6f}, \"forward_s\": {:.6f}, \"tokens\": {}, \"first_logits_unix_s\": {:.6f}}}\n",
               seconds(load_end - load_start), seconds(Clock::now() - forward_start), request.ids.numel(), now);
  }
  std::vector<std::pair<std::string, at::Tensor>> outputs{{"logits", logits.to(at::kFloat).cpu()},
                                                          {"attention_mask", request.mask}};
  if (values.count("labels")) {
    const at::Tensor labels =
        left_padded(read_aligned_rows(values["labels"].as<std::string>(), rows, "labels"), length, -100);
    outputs.emplace_back("loss", next_token_loss(logits, labels).cpu());
  }
  safetensors::write(values["out"].as<std::string>(), outputs);
  return 0;
}

}  // namespace tp::core::cli
