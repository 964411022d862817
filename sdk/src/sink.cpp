#include "tunepipe/sink.hpp"

namespace tp {

const char* to_string(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::Finished: return "finished";
    case RunOutcome::Failed: return "failed";
    case RunOutcome::Interrupted: return "interrupted";
  }
  return "failed";
}

}  // namespace tp
