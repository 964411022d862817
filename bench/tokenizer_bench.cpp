// Single-thread encode throughput of tp::load_tokenizer on a corpus file (one
// JSON string per line), printed as one JSON object. bench/tokenizer_throughput.py
// runs it next to HF tokenizers.
//
//   tunepipe_tokenizer_bench --model DIR --corpus FILE [--min-seconds 3]
#include "tunepipe/error.hpp"
#include "tunepipe/tokenizer.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<std::string> read_corpus(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw tp::Error(tp::Location{path}, "cannot open the corpus file");
  std::vector<std::string> texts;
  std::string line;
  for (std::uint32_t number = 1; std::getline(in, line); ++number) {
    try {
      texts.push_back(nlohmann::json::parse(line).get<std::string>());
    } catch (const nlohmann::json::exception& e) {
      throw tp::Error(tp::Location{path, number}, std::string("expected a JSON string: ") + e.what());
    }
  }
  return texts;
}

int usage() {
  std::cerr << "usage: tunepipe_tokenizer_bench --model DIR --corpus FILE [--min-seconds S]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model, corpus_file;
  double min_seconds = 3.0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage();
    if (arg == "--model") model = argv[++i];
    else if (arg == "--corpus") corpus_file = argv[++i];
    else if (arg == "--min-seconds") min_seconds = std::atof(argv[++i]);
    else return usage();
  }
  if (model.empty() || corpus_file.empty()) return usage();
  try {
    const auto texts = read_corpus(corpus_file);
    std::size_t bytes = 0;
    for (const auto& text : texts) bytes += text.size();

    const auto load_start = Clock::now();
    const auto tokenizer = tp::load_tokenizer(model);
    const double load_seconds = seconds_since(load_start);

    // One untimed pass, as the reference side does: both keep word caches.
    std::size_t tokens = 0;
    for (const auto& text : texts) tokens += tokenizer->encode(text).size();

    std::size_t passes = 0;
    const auto start = Clock::now();
    double elapsed = 0;
    do {
      for (const auto& text : texts) {
        const auto ids = tokenizer->encode(text);
        if (ids.size() > text.size() + 2) std::abort();  // keeps the call from being optimised away
      }
      ++passes;
      elapsed = seconds_since(start);
    } while (elapsed < min_seconds);

    const nlohmann::json report = {
        {"implementation", "tunepipe"},
        {"model", model},
        {"kind", tokenizer->kind()},
        {"strings", texts.size()},
        {"bytes", bytes},
        {"tokens", tokens},
        {"passes", passes},
        {"seconds", elapsed},
        {"load_seconds", load_seconds},
        {"mb_per_s", static_cast<double>(bytes * passes) / elapsed / 1e6},
        {"tokens_per_s", static_cast<double>(tokens * passes) / elapsed},
    };
    std::cout << report.dump() << '\n';
  } catch (const std::exception& e) {
    std::cerr << e.what() << '\n';
    return 1;
  }
  return 0;
}
