#pragma once
// The two facts about a serialized SentencePiece ModelProto that the library
// does not expose without protobuf's generated headers.
#include <string>
#include <string_view>

namespace tp::spm_proto {

// normalizer_spec.add_dummy_prefix (true when absent, protobuf's default).
bool adds_dummy_prefix(std::string_view model);

// The same model with add_dummy_prefix = false. Protobuf merges repeated
// occurrences of a message field, so appending a second normalizer_spec that
// holds only that flag overrides it and keeps everything else.
std::string without_dummy_prefix(std::string_view model);

}  // namespace tp::spm_proto
