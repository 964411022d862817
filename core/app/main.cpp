#include "cli/cli.hpp"

// jemalloc's settings (a MALLOC_CONF environment variable overrides them). Freed
// pages stay with the process instead of going back to the kernel: training and
// long prefills free and allocate the same multi-megabyte activations layer after
// layer, and pages handed back are faulted in and zeroed again on the next
// allocation (a third of a training step on CPU). A run's peak memory is
// unchanged by this; only what it holds after its peak.
extern "C" {
const char* malloc_conf = "dirty_decay_ms:-1,muzzy_decay_ms:-1";
}

int main(int argc, char** argv) { return tp::core::cli::main(argc, argv); }
