#include "cli/cli.hpp"

int main(int argc, char** argv) { return tp::core::cli::main(argc, argv); }
