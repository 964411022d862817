#include "tokenizer/tokenizer_json_parts.hpp"

#include "tokenizer/utf8.hpp"

#include <fmt/format.h>

namespace tp {

DecoderChain read_decoder(const JsonNode& node) {
  static constexpr const char* kSupported = "ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence";
  DecoderChain chain;
  for (const JsonNode& step : node.steps("decoders")) {
    const std::string type = step.type();
    if (type == "ByteLevel") {
      chain.add(byte_level_decoder());
    } else if (type == "Replace") {
      chain.add(replace_decoder(read_pattern(step["pattern"]), step.string_at("content")));
    } else if (type == "ByteFallback") {
      chain.add(byte_fallback_decoder());
    } else if (type == "Fuse") {
      chain.add(fuse_decoder());
    } else if (type == "Strip") {
      const std::string content = step.string_at("content");
      std::size_t pos = 0;
      const char32_t cp = content.empty() ? 0 : utf8::next_code_point(content, pos);
      if (content.empty() || pos != content.size()) step["content"].fail("expected one character");
      chain.add(strip_decoder(cp, step.size_at("start", 0), step.size_at("stop", 0)));
    } else if (type == "Metaspace") {
      chain.add(metaspace_decoder(step.string_at("replacement"), read_prepend_scheme(step)));
    } else {
      step.unsupported_type(type, kSupported);
    }
  }
  return chain;
}

}  // namespace tp
