#include "tunepipe/plugin.hpp"

#include "alpaca_dataset.hpp"

TUNEPIPE_PLUGIN(tp::DatasetStage, "alpaca", "0.1.0", "alpaca instruction/input/output records (json or jsonl)",
                AlpacaDataset)
