#include "tokenizer/spm_model_proto.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>

namespace tp::spm_proto {

namespace {

constexpr std::uint32_t kNormalizerSpecField = 3;  // ModelProto.normalizer_spec
constexpr std::uint32_t kAddDummyPrefixField = 3;  // NormalizerSpec.add_dummy_prefix
constexpr std::uint32_t kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5;

class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}
  bool done() const { return pos_ >= data_.size(); }

  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) throw std::runtime_error("truncated SentencePiece model");
      const auto byte = static_cast<unsigned char>(data_[pos_++]);
      value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if (byte < 0x80) return value;
    }
    throw std::runtime_error("malformed varint in SentencePiece model");
  }

  // Reads one field; `payload` is set for length-delimited ones, `number` for varints.
  void field(std::uint32_t& tag_field, std::uint32_t& wire_type, std::string_view& payload, std::uint64_t& number) {
    const std::uint64_t tag = varint();
    tag_field = static_cast<std::uint32_t>(tag >> 3);
    wire_type = static_cast<std::uint32_t>(tag & 7);
    switch (wire_type) {
      case kVarint: number = varint(); break;
      case kFixed64: skip(8); break;
      case kFixed32: skip(4); break;
      case kLengthDelimited: {
        const std::uint64_t length = varint();
        if (length > data_.size() - pos_) throw std::runtime_error("truncated SentencePiece model");
        payload = data_.substr(pos_, length);
        pos_ += length;
        break;
      }
      default: throw std::runtime_error("unsupported protobuf wire type in SentencePiece model");
    }
  }

 private:
  void skip(std::size_t n) {
    if (n > data_.size() - pos_) throw std::runtime_error("truncated SentencePiece model");
    pos_ += n;
  }
  std::string_view data_;
  std::size_t pos_ = 0;
};

}  // namespace

bool adds_dummy_prefix(std::string_view model) {
  std::optional<bool> value;
  WireReader top(model);
  while (!top.done()) {
    std::uint32_t field = 0, wire = 0;
    std::string_view payload;
    std::uint64_t number = 0;
    top.field(field, wire, payload, number);
    if (field != kNormalizerSpecField || wire != kLengthDelimited) continue;
    WireReader spec(payload);
    while (!spec.done()) {
      std::uint32_t inner = 0, inner_wire = 0;
      std::string_view inner_payload;
      std::uint64_t inner_number = 0;
      spec.field(inner, inner_wire, inner_payload, inner_number);
      if (inner == kAddDummyPrefixField && inner_wire == kVarint) value = inner_number != 0;
    }
  }
  return value.value_or(true);
}

std::string without_dummy_prefix(std::string_view model) {
  std::string edited(model);
  const char override_spec[] = {static_cast<char>((kNormalizerSpecField << 3) | kLengthDelimited), 2,
                                static_cast<char>((kAddDummyPrefixField << 3) | kVarint), 0};
  edited.append(override_spec, sizeof override_spec);
  return edited;
}

}  // namespace tp::spm_proto
