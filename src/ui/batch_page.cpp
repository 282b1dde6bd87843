#include <fmt/format.h>

#include "html_pages.hpp"
#include "ui_format.hpp"

namespace ember::ui::detail {

namespace {

std::string operationStatus(const OutputOperationInfo& op) {
  if (op.failureReason) return "Failed";
  if (op.endTime) return "Succeeded";
  if (op.startTime) return "Running";
  return "Queued";
}

std::string inputMetadata(const StreamingProgress& p, const BatchUIData& b) {
  std::string html =
      "<div class=\"scroll\"><table id=\"input-metadata\"><thead><tr><th>Input</th><th>Records"
      "</th><th>Metadata</th></tr></thead><tbody>";
  for (const auto& [id, input] : b.info.streamIdToInputInfo) {
    html += "<tr><td>" + htmlEscape(p.streamName(id)) + "</td><td>" +
            std::to_string(input.numRecords) + "</td><td class=\"metadata\">" +
            htmlEscape(input.description.empty() ? "-" : input.description) + "</td></tr>";
  }
  return html + "</tbody></table></div>";
}

std::string operationsTable(const BatchUIData& b) {
  std::string html =
      "<div class=\"scroll\"><table id=\"output-operations\"><thead><tr><th>Output Op Id</th>"
      "<th>Description</th><th>Output Op Duration</th><th>Status</th><th>Error</th></tr></thead>"
      "<tbody>";
  for (const auto& [id, op] : b.info.outputOperationInfos) {
    html += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"error\">{}</td></tr>", id,
        htmlEscape(op.description.empty() ? op.name : op.description),
        formatDurationOption(op.duration()), operationStatus(op),
        htmlEscape(op.failureReason.value_or("-")));
  }
  return html + "</tbody></table></div>";
}

}  // namespace

std::optional<std::string> batchPage(const StreamingProgress& p, const AppInfo& app,
                                     std::int64_t batchTime) {
  const BatchUIData* b = p.batch(batchTime);
  if (!b) return std::nullopt;
  std::string body = fmt::format(
      "<ul id=\"batch-summary\"><li><strong>Batch Duration: </strong>{}</li>"
      "<li><strong>Input data size: </strong>{} records</li>"
      "<li><strong>Scheduling delay: </strong>{}</li>"
      "<li><strong>Processing time: </strong>{}</li>"
      "<li><strong>Total delay: </strong>{}</li>"
      "<li><strong>Status: </strong>{}</li></ul>",
      formatDuration(p.batchDuration), b->numRecords(),
      formatDurationOption(b->info.schedulingDelay()),
      formatDurationOption(b->info.processingDelay()), formatDurationOption(b->info.totalDelay()),
      toString(b->status));
  body += "<h3>Input Metadata</h3>" + inputMetadata(p, *b);
  body += "<h3>Output Operations</h3>" + operationsTable(*b);
  body += "<p><a href=\"/streaming/\">Back to the Streaming page</a></p>";
  return pageShell(app, "Details of batch at " + formatBatchTime(batchTime, p.batchDuration), body,
                   b->status != BatchStatus::COMPLETED);
}

}  // namespace ember::ui::detail
