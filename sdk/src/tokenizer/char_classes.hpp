#pragma once
// The character classes HF tokenizers takes from Rust's `char` methods and
// `regex` classes, so that splitting agrees with it code point by code point.
namespace tp::char_classes {

// Rust regex `\w`: letters, marks, decimal digits, connector punctuation, join controls.
bool is_word(char32_t cp);
// Rust char::is_numeric: general categories Nd, Nl and No.
bool is_numeric(char32_t cp);
// HF's is_punc: ASCII punctuation or a Unicode P* category.
bool is_punctuation(char32_t cp);
// General categories Mn, Mc and Me (what StripAccents removes).
bool is_mark(char32_t cp);

}  // namespace tp::char_classes
