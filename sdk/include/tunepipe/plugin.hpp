#pragma once
// Plugin registration. A plugin's plugin.cpp holds one TUNEPIPE_PLUGIN line:
//
//   TUNEPIPE_PLUGIN(tp::DatasetStage, "jsonl", "0.1.0", "JSON Lines records with a field mapping", JsonlDataset)
//
// The class derives from the stage interface, is constructible from
// (const tp::Options&, const tp::StageContext&), has `static tp::OptionSchema
// schema()` and may have `static void validate(const tp::Options&, tp::Diagnostics&)`
// for checks that involve several options.
#include <memory>
#include <type_traits>

#include "tunepipe/abi.hpp"
#include "tunepipe/error.hpp"
#include "tunepipe/options.hpp"
#include "tunepipe/stage.hpp"

namespace tp {

struct PluginDescriptor {
  BuildFingerprint fingerprint;  // first, so any runtime can read it safely
  const char* kind;
  const char* name;
  const char* version;
  const char* summary;
  OptionSchema (*schema)();
  void (*validate)(const Options&, Diagnostics&);  // may be null
  std::unique_ptr<Stage> (*create)(const Options&, const StageContext&);
};

inline constexpr const char* kPluginEntryPoint = "tunepipe_plugin_descriptor";

namespace detail {
template <class T>
concept HasValidate = requires(const Options& o, Diagnostics& d) { T::validate(o, d); };

template <class Base, class T>
PluginDescriptor make_descriptor(const char* name, const char* version, const char* summary) {
  static_assert(std::is_base_of_v<Base, T>, "the plugin class must derive from the stage interface it registers as");
  static_assert(std::is_constructible_v<T, const Options&, const StageContext&>,
                "the plugin class needs a constructor (const tp::Options&, const tp::StageContext&)");
  void (*validate)(const Options&, Diagnostics&) = nullptr;
  if constexpr (HasValidate<T>) validate = &T::validate;
  return PluginDescriptor{
      this_build_fingerprint(), Base::kind_name, name, version, summary, &T::schema, validate,
      [](const Options& options, const StageContext& context) -> std::unique_ptr<Stage> {
        return std::make_unique<T>(options, context);
      }};
}
}  // namespace detail

}  // namespace tp

#define TUNEPIPE_PLUGIN(BASE, NAME, VERSION, SUMMARY, CLASS)                                   \
  extern "C" __attribute__((visibility("default"))) const ::tp::PluginDescriptor*            \
  tunepipe_plugin_descriptor() {                                                               \
    static const ::tp::PluginDescriptor descriptor =                                           \
        ::tp::detail::make_descriptor<BASE, CLASS>(NAME, VERSION, SUMMARY);                    \
    return &descriptor;                                                                        \
  }
