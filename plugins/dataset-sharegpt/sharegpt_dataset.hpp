#pragma once
// The sharegpt format: a list of {from/role, value/content} messages per
// record, multi-turn, every assistant turn trained.
#include <string>
#include <vector>

#include "sharegpt_roles.hpp"
#include "tunepipe/dataset_support.hpp"

class SharegptDataset final : public tp::RecordDataset {
 public:
  SharegptDataset(const tp::Options& options, const tp::StageContext& context);
  static tp::OptionSchema schema();
  static void validate(const tp::Options& options, tp::Diagnostics& diagnostics);

 protected:
  tp::Conversation convert(const tp::Record& record) const override;

 private:
  const tp::RecordJson& message_field(const tp::RecordJson& message, const std::vector<std::string>& keys,
                                      const char* what, std::size_t number, const tp::Location& where) const;

  std::string messages_;
  std::string system_field_;
  std::vector<std::string> role_keys_;
  std::vector<std::string> content_keys_;
  RoleTags roles_;
};
