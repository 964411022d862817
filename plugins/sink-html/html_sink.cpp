#include "html_sink.hpp"

#include "host_environment.hpp"
#include "report_page.hpp"
#include "tunepipe/atomic_file.hpp"
#include "tunepipe/option_key.hpp"

namespace tp::sinks {
namespace {

double seconds_since_epoch() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

const auto kPath = path_key("path", PathKind::Output, "report.html", "report file, relative to the run's output_dir");
const auto kRefreshSeconds =
    float_key("refresh_seconds", 30.0,
              "rewrite the report at most this often while the run goes on (0: only when it ends)")
        .range(0.0, std::nullopt);

}  // namespace

HtmlSink::HtmlSink(const Options& options, const StageContext& context)
    : pipeline_name_(context.pipeline_name),
      refresh_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(kRefreshSeconds.read(options)))),
      last_write_(std::chrono::steady_clock::now()),
      environment_(html::describe_host()) {
  const std::filesystem::path path = kPath.read(options);
  path_ = path.is_absolute() ? path : context.output_dir / path;
  std::filesystem::create_directories(path_.parent_path());
}

OptionSchema HtmlSink::schema() { return schema_of(kPath, kRefreshSeconds); }

void HtmlSink::on_event(const Event& event) {
  record_.add(event);
  if (refresh_.count() > 0 && std::chrono::steady_clock::now() - last_write_ >= refresh_) write(html::RunState::Running);
}

void HtmlSink::close(RunOutcome outcome) {
  switch (outcome) {
    case RunOutcome::Finished: write(html::RunState::Finished); break;
    case RunOutcome::Failed: write(html::RunState::Failed); break;
    case RunOutcome::Interrupted: write(html::RunState::Interrupted); break;
  }
}

void HtmlSink::write(html::RunState state) {
  write_file_atomically(path_, html::render_report(record_, {pipeline_name_, state, seconds_since_epoch(), environment_}));
  last_write_ = std::chrono::steady_clock::now();
}

}  // namespace tp::sinks
