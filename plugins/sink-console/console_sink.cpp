#include "console_sink.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tunepipe/event_names.hpp"
#include "tunepipe/option_key.hpp"

namespace tp::sinks {

namespace {

using namespace std::chrono_literals;

// How long a line of scalars waits for more of its step, and how often the progress line is redrawn.
constexpr auto kScalarLineWait = 1s;
constexpr auto kRedrawEvery = 1s;
constexpr std::string_view kClearLine = "\r\033[K";

bool bar_wanted(const std::string& progress) {
  if (progress != "auto") return progress == "bar";
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) == 1 && !(term != nullptr && std::string_view(term) == "dumb");
}

std::size_t terminal_columns() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

double wall_clock_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void write_out(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

const auto kShowParams = flag_key("show_params", false, "print the run's hyper-parameters when it starts");
const auto kProgress = choice_key("progress", "auto", {"auto", "bar", "lines"},
                                  "training progress as one line redrawn in place (bar) or a line per logging step "
                                  "(lines); auto: the bar on a terminal, lines elsewhere");

}  // namespace

ConsoleSink::ConsoleSink(const Options& options, const StageContext&)
    : show_params_(kShowParams.read(options)),
      bar_mode_(bar_wanted(kProgress.read(options))),
      ticker_([this] { tick(); }) {}

ConsoleSink::~ConsoleSink() { stop(); }

OptionSchema ConsoleSink::schema() { return schema_of(kShowParams, kProgress); }

void ConsoleSink::on_event(const Event& event) {
  const std::lock_guard lock(mutex_);
  if (event.kind == Event::Kind::Params && event.name == events::kTrainerPlan) {
    flush_scalars();
    progress_.start(event);
  }
  if (bar_mode_ && progress_.started() && TrainingProgress::shows(event)) {
    flush_scalars();
    if (progress_.update(event)) draw_progress();
    return;
  }
  if (event.kind == Event::Kind::Scalar) {
    add_scalar(event);
    return;
  }
  flush_scalars();
  print(lines_for(event));
}

std::string ConsoleSink::lines_for(const Event& event) const {
  switch (event.kind) {
    case Event::Kind::Text: return text_lines(event, progress_.total_steps());
    case Event::Kind::Params: return show_params_ ? params_lines(event) : std::string();
    case Event::Kind::Table: return table_lines(event);
    case Event::Kind::Scalar: break;
  }
  return {};
}

void ConsoleSink::add_scalar(const Event& event) {
  if (pending_scalars_ && (pending_scalars_->stage != event.stage || pending_scalars_->step != event.step))
    flush_scalars();
  if (!pending_scalars_) pending_scalars_ = ScalarGroup{event.stage, event.step, {}};
  pending_scalars_->values.emplace_back(event.name, event.value);
  last_scalar_at_ = Clock::now();
}

void ConsoleSink::flush_scalars() {
  if (!pending_scalars_) return;
  const std::string line = scalar_line(*pending_scalars_, progress_.total_steps());
  pending_scalars_.reset();
  print(line);
}

void ConsoleSink::print(const std::string& lines) {
  if (lines.empty()) return;
  if (progress_.finished()) finish_progress();  // the last step's line stays; what follows goes below it
  if (!progress_shown_) {
    write_out(lines);
    return;
  }
  write_out(std::string(kClearLine) + lines);
  draw_progress();
}

void ConsoleSink::draw_progress() {
  write_out(std::string(kClearLine) + progress_.render(wall_clock_now(), terminal_columns()));
  progress_shown_ = true;
  progress_drawn_at_ = Clock::now();
}

void ConsoleSink::finish_progress() {
  if (progress_shown_) write_out("\n");
  progress_shown_ = false;
}

void ConsoleSink::tick() {
  std::unique_lock lock(mutex_);
  while (!closing_) {
    wake_.wait_for(lock, 250ms);
    if (closing_) break;
    const auto now = Clock::now();
    if (pending_scalars_ && now - last_scalar_at_ >= kScalarLineWait) flush_scalars();
    if (progress_shown_ && now - progress_drawn_at_ >= kRedrawEvery) draw_progress();
  }
}

void ConsoleSink::close(RunOutcome) { stop(); }

void ConsoleSink::stop() {
  {
    const std::lock_guard lock(mutex_);
    if (closing_) return;
    closing_ = true;
    flush_scalars();
    finish_progress();
  }
  wake_.notify_one();
  ticker_.join();
}

}  // namespace tp::sinks
