#include "tunepipe/plugin.hpp"

#include "sharegpt_dataset.hpp"

TUNEPIPE_PLUGIN(tp::DatasetStage, "sharegpt", "0.1.0", "multi-turn sharegpt conversations (json or jsonl)",
                SharegptDataset)
