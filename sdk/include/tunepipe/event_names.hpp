#pragma once
// The events that one stage reports and another reads, named once. A stage's
// own metrics need no entry here; an event that a sink or another plugin acts
// on does.
namespace tp::events {

// Who reports (Event::stage) besides the stage kinds ("trainer", "evaluator", ...).
inline constexpr const char* kPipeline = "pipeline";

// The runtime.
inline constexpr const char* kHyperparameters = "hyperparameters";  // Params: every resolved option, "section.key"
inline constexpr const char* kDataSummary = "data/summary";         // Table: a row per split
inline constexpr const char* kRunOutput = "run/output";             // Text: the output folder, once the run is done

// The trainer.
inline constexpr const char* kTrainerPlan = "trainer/plan";  // Params: total_steps, start_step, ...
inline constexpr const char* kTrainLoss = "train/loss";
inline constexpr const char* kTrainLearningRate = "train/lr";
inline constexpr const char* kTrainGradNorm = "train/grad_norm";
inline constexpr const char* kTrainTokensPerSecond = "train/tokens_per_s";
inline constexpr const char* kTrainEpoch = "train/epoch";
inline constexpr const char* kTrainAdapter = "train/adapter";        // Text: the final adapter's folder
inline constexpr const char* kTrainCheckpoint = "train/checkpoint";  // Text: a checkpoint folder just written
inline constexpr const char* kTrainResumed = "train/resumed";
inline constexpr const char* kTrainSchedule = "train/schedule";
inline constexpr const char* kTrainInterrupted = "train/interrupted";  // Text: where to resume from
inline constexpr const char* kTrainProfile = "train/profile";          // Text: the profile table just written
inline constexpr const char* kTrainCollapsed = "train/collapsed";      // Text: why the run looks collapsed
inline constexpr const char* kEvalLoss = "eval/loss";
inline constexpr const char* kPeakRssMib = "memory/peak_rss_mib";
inline constexpr const char* kCudaPeakAllocatedMib = "memory/cuda_peak_allocated_mib";

// The evaluators.
inline constexpr const char* kEvalAnswers = "eval/answers";            // Table: prompt, reference, prediction
inline constexpr const char* kEvalAnswersBase = "eval/answers_base";  // the same for the model without the adapter
inline constexpr const char* kEvalCompare = "eval/compare";           // Table: base and adapted answers side by side

// Families, by prefix.
inline constexpr const char* kTrainPrefix = "train/";
inline constexpr const char* kEvalPrefix = "eval/";
inline constexpr const char* kMemoryPrefix = "memory/";

}  // namespace tp::events
