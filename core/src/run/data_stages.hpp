#pragma once
// The model, dataset and template stages of a pipeline, made and wired.
#include <memory>

#include "pipeline/pipeline.hpp"
#include "run/dataset_preparation.hpp"
#include "tunepipe/dataset.hpp"
#include "tunepipe/model.hpp"
#include "tunepipe/template.hpp"

namespace tp::core {

struct DataStages {
  std::unique_ptr<ModelStage> model;
  std::shared_ptr<const Tokenizer> tokenizer;
  std::unique_ptr<DatasetStage> dataset;
  std::unique_ptr<TemplateStage> chat_template;
  std::string dataset_plugin;
  std::string template_plugin;

  PreparationStages view() const {
    return PreparationStages{*dataset, *chat_template, *tokenizer, dataset_plugin, template_plugin};
  }
};

DataStages make_data_stages(const Pipeline& pipeline, const StageContext& context);

}  // namespace tp::core
