#include "gguf_export.hpp"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <array>
#include <map>

#include "cli/command.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/gguf_names.hpp"
#include "tunepipe/gguf_writer.hpp"

namespace tp::core::cli {
namespace {

struct ExportType {
  const char* name;
  gguf::GgmlType type;
  std::int64_t block_size;
  std::uint32_t file_type;  // general.file_type: llama.cpp's LLAMA_FTYPE_ALL_F32, _MOSTLY_F16, …
};

constexpr std::array kExportTypes = {
    ExportType{"f32", gguf::GgmlType::F32, 1, 0},    ExportType{"f16", gguf::GgmlType::F16, 1, 1},
    ExportType{"bf16", gguf::GgmlType::BF16, 1, 32}, ExportType{"q8_0", gguf::GgmlType::Q8_0, 32, 7},
    ExportType{"q4_0", gguf::GgmlType::Q4_0, 32, 2},
};

const ExportType& export_type(gguf::GgmlType type) {
  for (const ExportType& t : kExportTypes)
    if (t.type == type) return t;
  throw Error(fmt::format("GGUF export to {} is not supported", gguf::ggml_type_name(type)));
}

// How one weight is stored: matrices in the type asked for (F16 where their rows do not fill whole blocks,
// as llama.cpp's converter falls back), vectors (norms, biases) in F32 as llama.cpp keeps them.
gguf::GgmlType storage_type(const at::Tensor& weight, const ExportType& wanted) {
  if (weight.dim() < 2) return gguf::GgmlType::F32;
  return weight.size(-1) % wanted.block_size == 0 ? wanted.type : gguf::GgmlType::F16;
}

}  // namespace

gguf::GgmlType export_type_named(const std::string& name) {
  std::string names;
  for (const ExportType& t : kExportTypes) {
    if (name == t.name) return t.type;
    names += (names.empty() ? "" : ", ") + std::string(t.name);
  }
  throw UsageError(fmt::format("--type {} is not one of {}", name, names));
}

at::Tensor in_gguf_row_order(const gguf::Architecture& architecture, const std::string& name, const at::Tensor& rows,
                             const DecoderConfig& config) {
  const bool query = name.find(".attn_q.") != std::string::npos;
  const bool key = name.find(".attn_k.") != std::string::npos;
  if (!architecture.permuted_qk || !(query || key)) return rows;
  return gguf::hf_to_gguf_rows(rows, query ? config.num_heads : config.num_kv_heads).contiguous();
}

void write_gguf_export(const CausalLM& model, const ExportBase& base, const GgufExportOptions& options,
                       const std::filesystem::path& out) {
  const ExportType& wanted = export_type(options.type);

  std::map<std::string, at::Tensor> weights;  // llama.cpp name → the merged weight
  std::vector<std::string> order;             // of a folder's export: the model's
  for (const auto& [name, weight] : model.named_weights()) {
    const std::string stored = gguf::tensor_name(name);
    if (stored.empty()) throw Error(fmt::format("weight \"{}\" has no GGUF name", name));
    weights.emplace(stored, weight);
    order.push_back(stored);
  }

  gguf::Writer writer(base.alignment);
  bool template_written = false;
  for (const auto& [key, value] : base.metadata.entries()) {
    if (key == "tokenizer.chat_template" && options.chat_template) {
      writer.add(key, gguf::Value::make_string(*options.chat_template));
      template_written = true;
      continue;
    }
    writer.add(key, value);
  }
  if (options.chat_template && !template_written)
    writer.add("tokenizer.chat_template", gguf::Value::make_string(*options.chat_template));
  writer.add("general.file_type", gguf::Value::make_unsigned(gguf::ValueType::uint32, wanted.file_type));
  if (wanted.block_size > 1) writer.add("general.quantization_version", gguf::Value::make_unsigned(gguf::ValueType::uint32, 2));

  // Encoded when the writer reaches it: the merged model is held once, in fp32, and never whole as encoded blocks.
  const auto add_weight = [&](const std::string& name, const at::Tensor& weight) {
    const gguf::GgmlType type = storage_type(weight, wanted);
    writer.add_tensor(name, type, weight.sizes().vec(), [&, name, weight, type] {
      const at::Tensor rows = in_gguf_row_order(
          *base.architecture, name, weight.detach().to(at::kCPU, at::kFloat).contiguous(), model.config());
      const std::span<const float> values(rows.data_ptr<float>(), static_cast<std::size_t>(rows.numel()));
      return gguf::quantize(type, values, rows.size(-1));
    });
  };
  if (base.file == nullptr) {
    for (const std::string& name : order) add_weight(name, weights.at(name));
    for (const auto& [name, values] : base.extra_tensors)
      writer.add_tensor(name, gguf::GgmlType::F32, {static_cast<std::int64_t>(values.size())},
                        gguf::quantize(gguf::GgmlType::F32, values, static_cast<std::int64_t>(values.size())));
    writer.write(out);
    return;
  }
  for (const gguf::TensorInfo& info : base.file->tensors()) {
    const auto found = weights.find(info.name);
    if (found == weights.end()) {
      // Nothing of the decoder (none is accepted at load time today): copied as stored.
      const std::span<const std::byte> raw = base.file->raw_bytes(info);
      writer.add_tensor(info.name, info.type, info.shape, std::vector<std::byte>(raw.begin(), raw.end()));
      continue;
    }
    if (found->second.sizes().vec() != info.shape)
      throw Error(Location{base.path.string()},
                  fmt::format("tensor \"{}\" has another shape in the model than in the file", info.name));
    add_weight(info.name, found->second);
    weights.erase(found);
  }
  if (!weights.empty())
    throw Error(Location{base.path.string()},
                fmt::format("the model has weight \"{}\", which the file does not hold", weights.begin()->first));
  writer.write(out);
}

}  // namespace tp::core::cli
