#include "tunepipe/plugin.hpp"

#include "gguf_model.hpp"

TUNEPIPE_PLUGIN(tp::ModelStage, "gguf", "0.1.0",
                "GGUF file (llama.cpp, Ollama): weights dequantized, tokenizer and chat template from its metadata",
                tp::gguf_model::GgufModel)
