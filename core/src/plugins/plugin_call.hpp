#pragma once
// Every call into a plugin goes through call_plugin, so whatever it throws
// becomes a tp::Error that names the stage and the plugin.
#include <fmt/format.h>

#include <exception>
#include <string>
#include <string_view>
#include <utility>

#include "tunepipe/error.hpp"
#include "tunepipe/stop_request.hpp"

namespace tp::core {

// Thrown by a runtime callback (e.g. the emit function handed to a dataset) to
// stop a plugin early; passes through call_plugin untouched.
struct StopReading {};

// "[dataset] jsonl: " — unless the message already carries that prefix.
std::string with_stage_prefix(std::string_view section, std::string_view plugin, const std::string& message);

template <class F>
decltype(auto) call_plugin(std::string_view section, std::string_view plugin, F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (const StopReading&) {
    throw;
  } catch (const ValidationError&) {
    throw;
  } catch (const RunInterrupted&) {
    throw;  // the user's stop, reported as such
  } catch (const Error& e) {
    throw Error(e.where(), with_stage_prefix(section, plugin, e.message()));
  } catch (const std::exception& e) {
    throw Error(with_stage_prefix(section, plugin, e.what()));
  } catch (...) {
    throw Error(with_stage_prefix(section, plugin, "failed with an unknown exception"));
  }
}

}  // namespace tp::core
