#include "cli/cli.hpp"
#include "util/allocator_tuning.hpp"

int main(int argc, char** argv) {
  tp::core::keep_freed_memory_for_reuse();
  return tp::core::cli::main(argc, argv);
}
