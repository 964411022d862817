#pragma once
// This process's place in a data-parallel run. torchrun (also under Slurm's
// srun or Kubeflow's PyTorchJob) starts one process per rank and tells each
// where it stands through the environment torch.distributed reads: RANK,
// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT. Unset, the run is one
// process.
#include <cstdint>
#include <string>

namespace tp {

struct Ranks {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr;
  int master_port = 0;

  bool distributed() const { return world_size > 1; }
  // Rank 0 alone writes the run's output folder and feeds its sinks.
  bool writes_output() const { return rank == 0; }
  // Work shared out in turn: piece k (a batch of evaluation rows, say) goes to rank k mod world_size.
  bool takes(std::int64_t piece) const { return piece % world_size == rank; }
};

// Throws Error naming the variable when one is malformed or they disagree.
Ranks ranks_from_environment();

}  // namespace tp
