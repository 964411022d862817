#pragma once
// Options every prompt method has, and what its `init` option names.
#include <string>
#include <vector>

#include "tunepipe/option_key.hpp"
#include "tunepipe/options.hpp"

namespace tp::prompt {

const OptionKey<std::int64_t>& num_virtual_tokens_key();
// `init`: one of a method's initialisations by name ("random", …), or a PEFT
// adapter folder of the same method whose tensors are copied.
const OptionKey<std::string>& init_key();
// The `init` a method declares: its first initialisation is the default.
OptionKey<std::string> init_key_for(const std::vector<std::string>& methods, std::string doc);
bool init_is_folder(const std::string& init, const std::vector<std::string>& methods);

// An `init` folder (checked when the adapter is attached, so that `validate`
// works before it exists): a tp::Error at the option's location when missing.
std::string init_folder(const Options& options, const std::vector<std::string>& methods);

// For a method whose peft file holds only what its trainable part computes
// (`computed`: "the encoder's output", …): the `init` folder must also hold
// kTrainableWeightsFile, or training could not continue from it.
void require_trainable_weights(const Options& options, const std::string& folder, const std::string& computed);

}  // namespace tp::prompt
