#include <fmt/format.h>

#include <algorithm>

#include "html_pages.hpp"
#include "svg_chart.hpp"
#include "ui_format.hpp"

namespace ember::ui::detail {

namespace {

// Spark shows the first line of an error in the table and the rest on demand.
std::string errorCell(const std::optional<std::string>& reason) {
  if (!reason) return "<td>-</td>";
  const std::string first = reason->substr(0, reason->find('\n'));
  if (first.size() == reason->size() && first.size() <= 100) {
    return "<td class=\"error\">" + htmlEscape(first) + "</td>";
  }
  return "<td class=\"error\"><details><summary>" + htmlEscape(first.substr(0, 100)) +
         "</summary>" + htmlEscape(*reason) + "</details></td>";
}

std::string summaryLine(const StreamingProgress& p, const AppInfo& app, std::int64_t now) {
  const std::int64_t start = p.startTime >= 0 ? p.startTime : app.startTime;
  return fmt::format(
      "<div id=\"summary\">Running batches of <strong>{}</strong> for <strong>{}</strong> since "
      "<strong>{}</strong> (<strong>{}</strong> completed batches, <strong>{}</strong> "
      "records)</div>",
      formatDurationVerbose(p.batchDuration),
      formatDurationVerbose(std::max<std::int64_t>(0, now - start)), formatDate(start),
      p.totalCompletedBatches, p.totalReceivedRecords);
}

// A statistics row: the name cell, then a timeline and a histogram of `series`.
std::string statRow(const std::string& id, const std::string& nameCell, const ChartSeries& series) {
  return "<tr id=\"" + id + "\"><td class=\"stat-name\">" + nameCell + "</td><td>" +
         timelineSvg(series) + "</td><td>" + histogramSvg(series) + "</td></tr>";
}

template <class Metric>
std::string delayRow(const StreamingProgress& p, const std::string& id, const std::string& name,
                     const std::optional<std::int64_t>& avg, Metric metric, bool marker) {
  std::vector<std::pair<std::int64_t, double>> ms;
  for (const BatchUIData* b : p.retainedBatches()) {
    if (auto v = metric(b->info)) ms.emplace_back(b->batchTime(), static_cast<double>(*v));
  }
  double max = marker ? static_cast<double>(p.batchDuration) : 0;
  for (const auto& v : ms) max = std::max(max, v.second);
  auto [unit, scale] = durationUnit(max);
  ChartSeries s;
  s.batchInterval = p.batchDuration;
  s.unit = unit;
  for (const auto& [t, v] : ms) s.points.emplace_back(t, v / scale);
  if (marker) {
    s.marker = static_cast<double>(p.batchDuration) / scale;
    s.markerLabel = "batch interval";
  }
  return statRow(
      id,
      "<div><strong>" + name + "</strong></div><div>Avg: " + formatDurationOption(avg) + "</div>",
      s);
}

/// A receiver-less stream's problems (a direct Kafka stream's unreachable brokers), in the place
/// a receiver's state has.
std::string inputProblemDetails(const StreamingProgress& p, const InputStreamDescription& in) {
  auto it = p.inputProblems.find(in.id);
  if (it == p.inputProblems.end()) return "";
  const InputStreamProblems& problems = it->second;
  return "<ul class=\"receiver\"><li>Status: <span class=\"input-status\">" +
         std::string(problems.current ? "UNREACHABLE" : "REACHABLE") +
         "</span></li><li>Last Error Time: <span class=\"input-error-time\">" +
         formatDate(problems.time) +
         "</span></li><li>Last Error Message: <span class=\"input-error error\">" +
         htmlEscape(problems.message) + "</span></li></ul>";
}

std::string receiverDetails(const StreamingProgress& p, const InputStreamDescription& in) {
  auto it = p.receivers.find(in.id);
  if (!in.receiver && it == p.receivers.end()) return inputProblemDetails(p, in);
  std::string status = "-", location = "-", errorTime = "-", error = "-";
  if (it != p.receivers.end()) {
    const ReceiverInfo& r = it->second;
    status = r.active ? "ACTIVE" : "INACTIVE";
    location = "driver / " + r.location;
    if (r.lastErrorTime >= 0) errorTime = formatDate(r.lastErrorTime);
    if (!r.lastErrorMessage.empty() || !r.lastError.empty()) {
      error = r.lastErrorMessage + (r.lastError.empty() ? "" : " - " + r.lastError);
    }
  }
  return "<ul class=\"receiver\"><li>Status: <span class=\"receiver-status\">" + status +
         "</span></li><li>Executor ID / Host: " + htmlEscape(location) +
         "</li><li>Last Error Time: <span class=\"receiver-error-time\">" + errorTime +
         "</span></li><li>Last Error Message: <span class=\"receiver-error error\">" +
         htmlEscape(error) + "</span></li></ul>";
}

std::string statisticsTable(const StreamingProgress& p) {
  const auto batches = p.retainedBatches();
  std::string html = fmt::format(
      "<div class=\"scroll\"><table class=\"stats\" id=\"stat-table\"><thead><tr><th></th><th>"
      "Timelines (Last {} batches, {} active, {} completed)</th><th>Histograms</th></tr></thead>"
      "<tbody>",
      batches.size(), p.numUnprocessedBatches(), p.completed.size());
  ChartSeries rate;
  rate.batchInterval = p.batchDuration;
  rate.unit = "events/sec";
  for (const BatchUIData* b : batches) {
    rate.points.emplace_back(b->batchTime(), static_cast<double>(b->numRecords()) * 1000.0 /
                                                 static_cast<double>(p.batchDuration));
  }
  std::string name = "<div><strong>Input Rate</strong></div>";
  if (p.numReceivers() > 0) {
    name += fmt::format("<div>Receivers: {} / {} active</div>", p.numActiveReceivers(),
                        p.numReceivers());
  }
  auto avg = p.avgInputRate();
  name +=
      "<div>Avg: " + (avg ? fmt::format("{:.2f}", *avg) : std::string("-")) + " events/sec</div>";
  html += statRow("input-rate", name, rate);
  for (const auto& in : p.inputs) {
    ChartSeries s;
    s.batchInterval = p.batchDuration;
    s.unit = "events/sec";
    s.points = p.recordRates(in.id);
    double sum = 0;
    for (const auto& r : s.points) sum += r.second;
    std::string cell =
        "<div class=\"stream-name\"><strong>" + htmlEscape(p.streamName(in.id)) +
        "</strong></div><div>Avg: " +
        (s.points.empty() ? std::string("-")
                          : fmt::format("{:.2f}", sum / static_cast<double>(s.points.size()))) +
        " events/sec</div>" + receiverDetails(p, in);
    html += statRow("stream-" + std::to_string(in.id), cell, s);
  }
  html += delayRow(
      p, "scheduling-delay", "Scheduling Delay", p.avgSchedulingDelay(),
      [](const BatchInfo& b) { return b.schedulingDelay(); }, false);
  html += delayRow(
      p, "processing-time", "Processing Time", p.avgProcessingTime(),
      [](const BatchInfo& b) { return b.processingDelay(); }, true);
  html += delayRow(
      p, "total-delay", "Total Delay", p.avgTotalDelay(),
      [](const BatchInfo& b) { return b.totalDelay(); }, false);
  return html + "</tbody></table></div>";
}

std::string batchRow(const StreamingProgress& p, const BatchUIData& b, bool completed,
                     bool errorColumn) {
  std::string ops = fmt::format("{}/{}", b.numCompletedOutputOp(), b.numTotalOutputOp());
  if (b.numFailedOutputOp() > 0) ops += fmt::format(" ({} failed)", b.numFailedOutputOp());
  std::string row = fmt::format(
      "<tr><td><a href=\"batch?id={}\">{}</a></td><td>{} records</td><td>{}</td><td>{}</td>",
      b.batchTime(), formatBatchTime(b.batchTime(), p.batchDuration), b.numRecords(),
      formatDurationOption(b.info.schedulingDelay()),
      formatDurationOption(b.info.processingDelay()));
  if (completed) row += "<td>" + formatDurationOption(b.info.totalDelay()) + "</td>";
  row += "<td>" + ops + "</td>";
  if (!completed)
    row += b.status == BatchStatus::PROCESSING ? "<td>processing</td>" : "<td>queued</td>";
  if (errorColumn) row += errorCell(b.firstFailureReason());
  return row + "</tr>";
}

std::string batchTable(const StreamingProgress& p, const std::string& id, const std::string& title,
                       const std::vector<const BatchUIData*>& batches, bool completed) {
  const bool errors = std::any_of(batches.begin(), batches.end(), [](const auto* b) {
    return b->firstFailureReason().has_value();
  });
  std::string html = "<h3 id=\"" + id + "-title\">" + title +
                     "</h3><div class=\"scroll\"><table id=\"" + id +
                     "\"><thead><tr><th>Batch Time</th><th>Records</th><th>Scheduling Delay"
                     "</th><th>Processing Time</th>";
  if (completed) html += "<th>Total Delay</th>";
  html += "<th>Output Ops: Succeeded/Total</th>";
  if (!completed) html += "<th>Status</th>";
  if (errors) html += "<th>Error</th>";
  html += "</tr></thead><tbody>";
  for (const BatchUIData* b : batches) html += batchRow(p, *b, completed, errors);
  return html + "</tbody></table></div>";
}

template <class List>
std::vector<const BatchUIData*> newestFirst(const List& list) {
  std::vector<const BatchUIData*> out;
  for (const auto& b : list) out.push_back(&b);
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

std::string streamingPage(const StreamingProgress& p, const AppInfo& app, std::int64_t now) {
  std::string body = summaryLine(p, app, now);
  body += statisticsTable(p);
  body += batchTable(p, "running-batches", fmt::format("Running Batches ({})", p.running.size()),
                     newestFirst(p.running), false);
  body += batchTable(p, "waiting-batches", fmt::format("Waiting Batches ({})", p.waiting.size()),
                     newestFirst(p.waiting), false);
  body += batchTable(p, "completed-batches",
                     fmt::format("Completed Batches (last {} out of {})", p.completed.size(),
                                 p.totalCompletedBatches),
                     newestFirst(p.completed), true);
  return pageShell(app, "Streaming Statistics", body, true);
}

}  // namespace ember::ui::detail
