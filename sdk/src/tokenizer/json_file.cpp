#include "tokenizer/json_file.hpp"

namespace tp {

void fail_in_file(const std::filesystem::path& path, const std::string& message) {
  throw Error(Location{path.string()}, message);
}

}  // namespace tp
