// `tunepipe export`: a model (GGUF file or HF checkpoint folder) with its
// adapter merged, written as a GGUF file for llama.cpp / Ollama (--format
// gguf), or the LoRA adapter alone as llama.cpp's LoRA GGUF (--format
// gguf-lora), with an Ollama Modelfile beside it.
#include <ATen/core/grad_mode.h>
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "cli/command.hpp"
#include "gguf_export.hpp"
#include "gguf_lora_export.hpp"
#include "model_commands.hpp"
#include "model_loading.hpp"
#include "ollama_modelfile.hpp"
#include "plugins/plugin_call.hpp"
#include "tunepipe/atomic_file.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/gguf_magic.hpp"

namespace tp::core::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage =
    "--model FILE.gguf|DIR [--adapter DIR] --format gguf|gguf-lora --out OUT.gguf [--type f32|f16|bf16|q8_0|q4_0] "
    "[--chat-template FILE.jinja] [--force]";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Location{path.string()}, "cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// OUT.gguf → OUT.Modelfile, beside it.
fs::path modelfile_beside(const fs::path& out) { return fs::path(out).replace_extension(".Modelfile"); }

}  // namespace

int run_command_export(const std::vector<std::string>& args) {
  po::options_description options("export options");
  options.add_options()("model", po::value<std::string>()->required(),
                        "the GGUF file or HF checkpoint folder the adapter was trained on")(
      "adapter", po::value<std::string>(), "LoRA adapter folder to merge into the weights first")(
      "format", po::value<std::string>()->required(),
      "gguf (the merged model as one GGUF file) or gguf-lora (the LoRA adapter alone, for llama.cpp's --lora and "
      "Ollama's ADAPTER)")(
      "out", po::value<std::string>()->required(), "the GGUF file to write (an Ollama Modelfile goes beside it)")(
      "type", po::value<std::string>()->default_value("f16"),
      "how the matrices are stored: f32, f16, bf16, q8_0 or q4_0 (norms and biases stay f32)")(
      "chat-template", po::value<std::string>(), "a Jinja file to store as tokenizer.chat_template (default: the "
                                                 "model's own)")(
      "force", "replace --out (and its Modelfile) when they exist");
  const ParsedArgs parsed = parse_command_line("export", kUsage, options, {}, args);
  if (parsed.help_shown) return 0;
  const po::variables_map& values = parsed.values;
  const std::string format = values["format"].as<std::string>();
  if (format != "gguf" && format != "gguf-lora")
    throw UsageError(fmt::format("--format {} is not supported (supported: gguf, gguf-lora)", format));
  const bool lora_only = format == "gguf-lora";
  if (lora_only && !values.count("adapter"))
    throw UsageError("--format gguf-lora writes an adapter: give it with --adapter DIR");
  const fs::path model_path = values["model"].as<std::string>();
  GgufExportOptions export_options;
  export_options.type = export_type_named(values["type"].as<std::string>());
  if (lora_only && export_options.type != gguf::GgmlType::F32 && export_options.type != gguf::GgmlType::F16 &&
      export_options.type != gguf::GgmlType::BF16)
    throw UsageError(fmt::format("--type {} is not one of f32, f16, bf16 (an adapter's matrices are small; llama.cpp "
                                 "reads them as floats)",
                                 values["type"].as<std::string>()));
  if (values.count("chat-template")) export_options.chat_template = read_text(values["chat-template"].as<std::string>());
  const fs::path out = values["out"].as<std::string>();
  const fs::path modelfile = modelfile_beside(out);
  if (!values.count("force"))
    for (const fs::path& path : {out, modelfile})
      if (fs::exists(path)) throw Error(Location{path.string()}, "already exists: choose another --out, or pass --force");

  if (lora_only && !gguf::is_gguf_file(model_path))
    throw UsageError(fmt::format("--format gguf-lora needs the base as the GGUF file llama.cpp applies it to: "
                                 "export the base first (tunepipe export --model {} --format gguf --out BASE.gguf), "
                                 "then the adapter with --model BASE.gguf",
                                 model_path.string()));

  // Loaded in fp32 so the merged sum is rounded once, to the type written.
  const LoadedModel loaded = load_model(model_path.string(), "fp32", "cpu", adapter_option(values));
  const at::NoGradGuard no_grad;
  const ExportBase base = gguf::is_gguf_file(model_path) ? gguf_export_base(gguf::File::open(model_path))
                                                         : hf_export_base(model_path, loaded.model->config());
  const std::optional<std::string> chat_template =
      export_options.chat_template ? export_options.chat_template
                                   : base.metadata.find_string("tokenizer.chat_template");
  if (lora_only) {
    write_gguf_lora(*loaded.adapter, values["adapter"].as<std::string>(), loaded.model->config(), base,
                    export_options.type, out);
    write_file_atomically(modelfile, ollama_modelfile(fs::absolute(model_path).string(), chat_template,
                                                      base.metadata, "./" + out.filename().string()));
  } else {
    if (loaded.adapter) call_plugin("adapter", loaded.adapter_plugin, [&] { loaded.adapter->merge(); });
    write_gguf_export(*loaded.model, base, export_options, out);
    write_file_atomically(modelfile, ollama_modelfile("./" + out.filename().string(), chat_template, base.metadata));
  }
  fmt::print("wrote {} ({}) and {}\n", out.string(), values["type"].as<std::string>(), modelfile.string());
  return 0;
}

}  // namespace tp::core::cli
