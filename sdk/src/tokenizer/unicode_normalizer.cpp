#include "tokenizer/unicode_normalizer.hpp"

#include "tokenizer/utf8.hpp"
#include "tunepipe/error.hpp"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

namespace tp {

namespace {

// Code points that are NFC quick-check "yes" with combining class 0 and never
// the second part of a canonical composition: text made only of these is
// already in NFC (checked against the Unicode data for these ranges).
bool nfc_stable(char32_t cp) {
  if (cp < 0x300) return true;
  if (cp >= 0x4E00 && cp <= 0x9FFF) return true;                          // CJK unified ideographs
  if (cp >= 0x3000 && cp <= 0x30FF) return cp < 0x302A || (cp > 0x302F && cp != 0x3099 && cp != 0x309A);
  if (cp >= 0xAC00 && cp <= 0xD7A3) return true;                          // Hangul syllables
  if (cp >= 0xFF00 && cp <= 0xFFEF) return true;                          // half/full-width forms
  return cp >= 0x1F300 && cp <= 0x1FAFF;                                  // emoji
}

bool already_nfc(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    if (!nfc_stable(utf8::next_code_point(text, pos))) return false;
  }
  return true;
}

int utf8proc_options(NormalizationForm form) {
  switch (form) {
    case NormalizationForm::NFC: return UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    case NormalizationForm::NFD: return UTF8PROC_STABLE | UTF8PROC_DECOMPOSE;
    case NormalizationForm::NFKC: return UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
    case NormalizationForm::NFKD: return UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
    case NormalizationForm::None: break;
  }
  return 0;
}

}  // namespace

bool normalize(NormalizationForm form, std::string_view text, std::string& out) {
  if (form == NormalizationForm::None) return false;
  if (form == NormalizationForm::NFC && already_nfc(text)) return false;
  utf8proc_uint8_t* result = nullptr;
  const utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()), static_cast<utf8proc_ssize_t>(text.size()),
                   &result, static_cast<utf8proc_option_t>(utf8proc_options(form)));
  if (length < 0) throw Error(std::string("Unicode normalisation failed: ") + utf8proc_errmsg(length));
  const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(result, &std::free);
  const std::string_view normalized(reinterpret_cast<const char*>(result), static_cast<std::size_t>(length));
  if (normalized == text) return false;
  out.assign(normalized);
  return true;
}

}  // namespace tp
