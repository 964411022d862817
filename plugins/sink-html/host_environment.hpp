#pragma once
// The software and machine a run ran on, as the report states it.
#include <string>
#include <utility>
#include <vector>

namespace tp::html {

// Label and value pairs: tunepipe version, SDK ABI, libtorch, compiler, CPU,
// hardware threads, operating system.
std::vector<std::pair<std::string, std::string>> describe_host();

}  // namespace tp::html
