#pragma once
// The message of the tp::Error an action throws; empty when it throws none.
#include <functional>
#include <string>

#include "tunepipe/error.hpp"

inline std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const tp::Error& error) {
    return error.what();
  }
  return "";
}
