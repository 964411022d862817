#pragma once
// Commands that work with tensors. They are built into
// libtunepipe-model-commands, which the CLI loads only when one of them runs.
#include <string>
#include <vector>

namespace tp::core::cli {

int run_command_checkpoint(const std::vector<std::string>& args);
int run_command_forward(const std::vector<std::string>& args);
int run_command_generate(const std::vector<std::string>& args);
int run_command_chat(const std::vector<std::string>& args);
int run_command_merge(const std::vector<std::string>& args);
int run_command_export(const std::vector<std::string>& args);

}  // namespace tp::core::cli
