#include "tokenizer/decoder_chain.hpp"

#include "tokenizer/byte_level.hpp"
#include "tokenizer/utf8.hpp"

namespace tp {

namespace {

class ByteLevelDecoder final : public DecoderStep {
 public:
  void apply(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      if (!byte_level::decode(token, bytes)) bytes += token;  // a token outside the alphabet is taken as is
    }
    std::string text;
    text.reserve(bytes.size());
    utf8::append_lossy(text, bytes);
    tokens.assign(1, std::move(text));
  }
};

class ReplaceDecoder final : public DecoderStep {
 public:
  ReplaceDecoder(SplitRegex pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void apply(std::vector<std::string>& tokens) const override {
    std::vector<MatchSpan> spans;
    for (std::string& token : tokens) {
      spans.clear();
      pattern_.find_matches(token, spans);
      if (spans.size() == 1 && !spans[0].is_match) continue;
      std::string replaced;
      for (const MatchSpan& span : spans) {
        if (span.is_match) {
          replaced += content_;
        } else {
          replaced.append(token, span.start, span.end - span.start);
        }
      }
      token = std::move(replaced);
    }
  }

 private:
  SplitRegex pattern_;
  std::string content_;
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class ByteFallbackDecoder final : public DecoderStep {
 public:
  void apply(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    out.reserve(tokens.size());
    std::string pending;
    const auto flush = [&] {
      if (pending.empty()) return;
      if (utf8::find_invalid(pending) == std::string::npos) {
        out.push_back(pending);
      } else {
        for (std::size_t i = 0; i < pending.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
      }
      pending.clear();
    };
    for (std::string& token : tokens) {
      if (const int byte = byte_of(token); byte >= 0) {
        pending += static_cast<char>(byte);
        continue;
      }
      flush();
      out.push_back(std::move(token));
    }
    flush();
    tokens = std::move(out);
  }

 private:
  static int byte_of(const std::string& token) {
    if (token.size() != 6 || !token.starts_with("<0x") || token[5] != '>') return -1;
    const int high = hex_digit(token[3]), low = hex_digit(token[4]);
    return high < 0 || low < 0 ? -1 : high * 16 + low;
  }
};

class FuseDecoder final : public DecoderStep {
 public:
  void apply(std::vector<std::string>& tokens) const override {
    std::string joined;
    for (const std::string& token : tokens) joined += token;
    tokens.assign(1, std::move(joined));
  }
};

class StripDecoder final : public DecoderStep {
 public:
  StripDecoder(char32_t content, std::size_t start, std::size_t stop) : content_(content), start_(start), stop_(stop) {}
  void apply(std::vector<std::string>& tokens) const override {
    std::vector<std::size_t> starts;  // byte offset of each code point
    for (std::string& token : tokens) {
      starts.clear();
      std::vector<char32_t> cps;
      for (std::size_t pos = 0; pos < token.size();) {
        starts.push_back(pos);
        cps.push_back(utf8::next_code_point(token, pos));
      }
      std::size_t first = 0, last = cps.size();
      while (first < start_ && first < cps.size() && cps[first] == content_) ++first;
      for (std::size_t i = 0; i < stop_ && last > first && cps[last - 1] == content_; ++i) --last;
      const std::size_t from = first < starts.size() ? starts[first] : token.size();
      const std::size_t to = last < starts.size() ? starts[last] : token.size();
      token = token.substr(from, to - from);
    }
  }

 private:
  char32_t content_;
  std::size_t start_, stop_;
};

class MetaspaceDecoder final : public DecoderStep {
 public:
  MetaspaceDecoder(std::string replacement, PrependScheme scheme) : replacement_(std::move(replacement)), scheme_(scheme) {}
  void apply(std::vector<std::string>& tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const std::string_view with = i == 0 && scheme_ != PrependScheme::Never ? "" : " ";
      std::string& token = tokens[i];
      std::string replaced;
      std::size_t from = 0;
      for (std::size_t at; (at = token.find(replacement_, from)) != std::string::npos; from = at + replacement_.size()) {
        replaced.append(token, from, at - from).append(with);
      }
      if (from == 0) continue;
      token = replaced.append(token, from);
    }
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
};

}  // namespace

std::unique_ptr<DecoderStep> byte_level_decoder() { return std::make_unique<ByteLevelDecoder>(); }
std::unique_ptr<DecoderStep> replace_decoder(SplitRegex pattern, std::string content) {
  return std::make_unique<ReplaceDecoder>(std::move(pattern), std::move(content));
}
std::unique_ptr<DecoderStep> byte_fallback_decoder() { return std::make_unique<ByteFallbackDecoder>(); }
std::unique_ptr<DecoderStep> fuse_decoder() { return std::make_unique<FuseDecoder>(); }
std::unique_ptr<DecoderStep> strip_decoder(char32_t content, std::size_t start, std::size_t stop) {
  return std::make_unique<StripDecoder>(content, start, stop);
}
std::unique_ptr<DecoderStep> metaspace_decoder(std::string replacement, PrependScheme scheme) {
  return std::make_unique<MetaspaceDecoder>(std::move(replacement), scheme);
}

std::string DecoderChain::decode(std::vector<std::string> tokens) const {
  if (steps_.empty()) {
    std::string joined;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) joined += ' ';
      joined += tokens[i];
    }
    return joined;
  }
  for (const auto& step : steps_) step->apply(tokens);
  std::string text;
  for (const std::string& token : tokens) text += token;
  return text;
}

}  // namespace tp
