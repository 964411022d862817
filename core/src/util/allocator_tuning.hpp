#pragma once

namespace tp::core {

// Keeps freed tensor memory in the process for reuse. glibc's defaults return
// most of each multi-megabyte activation to the kernel when it is freed, so the
// next layer pays page faults and zeroing for the same memory again: a third of
// a long prefill on CPU. A GLIBC_TUNABLES malloc setting of the user's wins.
void keep_freed_memory_for_reuse();

}  // namespace tp::core
