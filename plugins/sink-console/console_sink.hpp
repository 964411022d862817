#pragma once
// Shows a run on standard output. On a terminal, training is one progress line
// redrawn in place, with every other event printed above it; elsewhere (CI, a
// pipe, a file) plain lines: the scalars one stage reports at one step (a
// logging step's loss, learning rate, …) share a line.
//
// A background ticker keeps the output current between events: it prints a
// line of scalars once no more have come for a moment (nothing says which is a
// step's last), and redraws the progress line every second so that elapsed
// time and the estimate move.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "event_lines.hpp"
#include "training_progress.hpp"
#include "tunepipe/options.hpp"
#include "tunepipe/sink.hpp"

namespace tp::sinks {

class ConsoleSink : public SinkStage {
 public:
  ConsoleSink(const Options& options, const StageContext& context);
  ~ConsoleSink() override;
  static OptionSchema schema();
  void on_event(const Event& event) override;
  void close(RunOutcome outcome) override;

 private:
  using Clock = std::chrono::steady_clock;

  // These run with mutex_ held.
  std::string lines_for(const Event& event) const;
  void add_scalar(const Event& event);
  void flush_scalars();
  void print(const std::string& lines);  // above the progress line: clear it, print, redraw it
  void draw_progress();
  void finish_progress();
  void tick();
  void stop();  // ends the ticker; once

  const bool show_params_;
  const bool bar_mode_;
  TrainingProgress progress_;
  bool progress_shown_ = false;  // the progress line is on screen, the cursor at its end
  Clock::time_point progress_drawn_at_;
  std::optional<ScalarGroup> pending_scalars_;
  Clock::time_point last_scalar_at_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool closing_ = false;
  std::thread ticker_;  // last: starts once everything above is initialised
};

}  // namespace tp::sinks
