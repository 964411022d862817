#include "tunepipe/plugin.hpp"

#include "json_dataset.hpp"

TUNEPIPE_PLUGIN(tp::DatasetStage, "json", "0.1.0", "JSON array of records with a field mapping", JsonDataset)
