#include "tunepipe/plugin.hpp"

#include "jsonl_dataset.hpp"

TUNEPIPE_PLUGIN(tp::DatasetStage, "jsonl", "0.1.0", "JSON Lines records with a field mapping", JsonlDataset)
