#pragma once

namespace tp::core::cli {

// The tunepipe command line; returns the process exit code.
int main(int argc, char** argv);

}  // namespace tp::core::cli
