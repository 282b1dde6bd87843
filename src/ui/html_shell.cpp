#include "html_pages.hpp"
#include "ui_format.hpp"

namespace ember::ui::detail {

namespace {

// Small, self-contained styles: no stylesheet or font is fetched from anywhere.
constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222}
header{background:#2a3f54;color:#fff;padding:8px 12px;display:flex;flex-wrap:wrap;gap:8px 16px;align-items:baseline}
header a{color:#fff}
header .app{font-weight:600}
main{padding:8px 12px;max-width:1200px}
h3{margin:16px 0 6px}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f5f7}
svg.chart{width:100%;max-width:420px;height:auto;display:block}
.error{color:#b00;white-space:pre-wrap;word-break:break-word}
.stat-name{min-width:140px}
@media (max-width:600px){table.stats td{display:block;border:none}table.stats tr{border-bottom:1px solid #ddd;display:block}table.stats thead{display:none}}
)";

}  // namespace

std::string pageShell(const AppInfo& app, const std::string& title, const std::string& body,
                      bool refresh) {
  std::string html =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  if (refresh) html += "<meta http-equiv=\"refresh\" content=\"5\">";
  html += "<title>" + htmlEscape(app.name) + " - " + htmlEscape(title) + "</title><style>" +
          kStyle + "</style></head><body><header><span class=\"app\">" + htmlEscape(app.name) +
          "</span><a href=\"/streaming/\">Streaming</a><a href=\"/metrics\">Metrics</a>"
          "<a href=\"/api/v1/applications\">API</a></header><main><h2>" +
          htmlEscape(title) + "</h2>" + body + "</main></body></html>";
  return html;
}

std::string errorPage(const AppInfo& app, int status, const std::string& message) {
  return pageShell(app, "Error " + std::to_string(status),
                   "<p class=\"error\">" + htmlEscape(message) + "</p>", false);
}

}  // namespace ember::ui::detail
