#pragma once
// Unicode normalisation forms of HF normalizers, through utf8proc.
#include <string>
#include <string_view>

namespace tp {

enum class NormalizationForm { None, NFC, NFD, NFKC, NFKD };

// Writes the normalised `text` (valid UTF-8) to `out`. Returns false when
// nothing changes; `out` is then left untouched and `text` should be used.
bool normalize(NormalizationForm form, std::string_view text, std::string& out);

}  // namespace tp
