#include "metrics.hpp"

#include "prometheus_text.hpp"

namespace ember::ui::detail {

namespace {

// Spark reports -1 for a time it does not know; in seconds that stays -1.
double secondsOr(const std::optional<std::int64_t>& ms) {
  return ms ? static_cast<double>(*ms) / 1000.0 : -1.0;
}

void sparkGauge(PrometheusText& out, const std::string& sparkName, const std::string& unit,
                double value) {
  std::string name = "streaming_" + PrometheusText::snakeCase(sparkName) + unit;
  out.gauge(name, "Spark's StreamingMetrics gauge streaming." + sparkName, value);
}

void batchGauges(PrometheusText& out, const StreamingProgress& p) {
  const BatchUIData* done = p.lastCompletedBatch();
  auto completed = [&](auto f) { return done ? f(done->info) : std::nullopt; };
  using O = std::optional<std::int64_t>;
  sparkGauge(out, "lastCompletedBatch_submissionTime", "_seconds",
             secondsOr(completed([](const BatchInfo& b) -> O { return b.submissionTime; })));
  sparkGauge(out, "lastCompletedBatch_processingStartTime", "_seconds",
             secondsOr(completed([](const BatchInfo& b) { return b.processingStartTime; })));
  sparkGauge(out, "lastCompletedBatch_processingEndTime", "_seconds",
             secondsOr(completed([](const BatchInfo& b) { return b.processingEndTime; })));
  sparkGauge(out, "lastCompletedBatch_processingDelay", "_seconds",
             secondsOr(completed([](const BatchInfo& b) { return b.processingDelay(); })));
  sparkGauge(out, "lastCompletedBatch_schedulingDelay", "_seconds",
             secondsOr(completed([](const BatchInfo& b) { return b.schedulingDelay(); })));
  sparkGauge(out, "lastCompletedBatch_totalDelay", "_seconds",
             secondsOr(completed([](const BatchInfo& b) { return b.totalDelay(); })));
  const BatchUIData* last = p.lastReceivedBatch();
  auto received = [&](auto f) { return last ? f(last->info) : std::nullopt; };
  sparkGauge(out, "lastReceivedBatch_submissionTime", "_seconds",
             secondsOr(received([](const BatchInfo& b) -> O { return b.submissionTime; })));
  sparkGauge(out, "lastReceivedBatch_processingStartTime", "_seconds",
             secondsOr(received([](const BatchInfo& b) { return b.processingStartTime; })));
  sparkGauge(out, "lastReceivedBatch_processingEndTime", "_seconds",
             secondsOr(received([](const BatchInfo& b) { return b.processingEndTime; })));
  sparkGauge(out, "lastReceivedBatch_records", "",
             last ? static_cast<double>(last->numRecords()) : 0.0);
}

}  // namespace

std::string metricsText(const StreamingProgress& p, const AppInfo& app, const TaskCounts& tasks) {
  PrometheusText out;
  out.gauge("ember_application_info", "The application this process runs (always 1)", 1,
            {{"application_id", app.id}, {"application_name", app.name}});
  sparkGauge(out, "receivers", "", p.numReceivers());
  sparkGauge(out, "totalCompletedBatches", "", static_cast<double>(p.totalCompletedBatches));
  sparkGauge(out, "totalReceivedRecords", "", static_cast<double>(p.totalReceivedRecords));
  sparkGauge(out, "totalProcessedRecords", "", static_cast<double>(p.totalProcessedRecords));
  sparkGauge(out, "unprocessedBatches", "", static_cast<double>(p.numUnprocessedBatches()));
  sparkGauge(out, "waitingBatches", "", static_cast<double>(p.waiting.size()));
  sparkGauge(out, "runningBatches", "", static_cast<double>(p.running.size()));
  sparkGauge(out, "retainedCompletedBatches", "", static_cast<double>(p.completed.size()));
  batchGauges(out, p);

  for (const auto& in : p.inputs) {
    auto it = p.receivedRecordsByStream.find(in.id);
    const double n = it == p.receivedRecordsByStream.end() ? 0.0 : static_cast<double>(it->second);
    out.counter("streaming_received_records_total", "Records an input stream brought, since start",
                n, {{"stream_id", std::to_string(in.id)}, {"stream_name", p.streamName(in.id)}});
  }
  for (const auto& [id, problems] : p.inputProblems) {
    const Labels labels = {{"stream_id", std::to_string(id)}, {"stream_name", p.streamName(id)}};
    out.counter("ember_input_stream_errors_total",
                "Problems a receiver-less input stream reported (each start or change)",
                static_cast<double>(problems.reports), labels);
    out.gauge("ember_input_stream_unreachable",
              "1 while a receiver-less input stream cannot reach part of its source",
              problems.current ? 1.0 : 0.0, labels);
  }
  std::vector<double> bounds;
  for (std::int64_t ms : kDurationBucketsMs) bounds.push_back(static_cast<double>(ms) / 1000.0);
  for (const auto& [id, d] : p.outputOpDurations) {
    out.histogram("streaming_output_operation_duration_seconds",
                  "How long each run of an output operation took",
                  {{"output_op_id", std::to_string(id)}, {"name", d.name}}, bounds, d.bucketCounts,
                  d.count, static_cast<double>(d.sumMs) / 1000.0);
  }
  out.counter("ember_tasks_succeeded_total", "Tasks the engine ran to the end",
              static_cast<double>(tasks.succeeded));
  out.counter("ember_tasks_failed_total", "Tasks that threw", static_cast<double>(tasks.failed));
  return out.str();
}

}  // namespace ember::ui::detail
