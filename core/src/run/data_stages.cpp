#include "run/data_stages.hpp"

#include "run/stage_factory.hpp"

namespace tp::core {

DataStages make_data_stages(const Pipeline& pipeline, const StageContext& context) {
  DataStages stages;
  stages.model = create_stage<ModelStage>(*pipeline.model, context);
  stages.tokenizer = call_plugin("model", pipeline.model->plugin->name, [&] { return stages.model->tokenizer(); });
  stages.dataset = create_stage<DatasetStage>(*pipeline.dataset, context);
  StageContext template_context = context;
  template_context.model = stages.model.get();
  stages.chat_template = create_stage<TemplateStage>(*pipeline.chat_template, template_context);
  stages.dataset_plugin = pipeline.dataset->plugin->name;
  stages.template_plugin = pipeline.chat_template->plugin->name;
  return stages;
}

}  // namespace tp::core
