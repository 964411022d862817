// The symbols the CLI looks up when it loads this library: tunepipe_command_<name>.
#include "model_commands.hpp"

#define TUNEPIPE_MODEL_COMMAND(NAME, FUNCTION)                                                      \
  extern "C" __attribute__((visibility("default"))) int tunepipe_command_##NAME(                     \
      const std::vector<std::string>& args) {                                                         \
    return tp::core::cli::FUNCTION(args);                                                             \
  }

TUNEPIPE_MODEL_COMMAND(checkpoint, run_command_checkpoint)
TUNEPIPE_MODEL_COMMAND(forward, run_command_forward)
TUNEPIPE_MODEL_COMMAND(generate, run_command_generate)
TUNEPIPE_MODEL_COMMAND(chat, run_command_chat)
TUNEPIPE_MODEL_COMMAND(merge, run_command_merge)
TUNEPIPE_MODEL_COMMAND(export, run_command_export)
