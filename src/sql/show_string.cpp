// DataFrame::showString: Spark's table format (Dataset.showString), cell by cell.

#include <algorithm>
#include <string>
#include <vector>

#include "ember/sql/dataframe.hpp"
#include "session_state.hpp"

namespace ember::sql {

namespace {

/// The characters of a UTF-8 string (code points), counting East Asian wide and full-width
/// characters twice, as Spark's Utils.stringHalfWidth does, so that columns line up.
std::size_t displayWidth(const std::string& s) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    char32_t cp = c;
    if (len == 2) cp = c & 0x1F;
    if (len == 3) cp = c & 0x0F;
    if (len == 4) cp = c & 0x07;
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    }
    bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
    width += wide ? 2 : 1;
    i += len;
  }
  return width;
}

/// The first n code points of a UTF-8 string.
std::string prefix(const std::string& s, std::size_t n) {
  std::size_t i = 0;
  for (std::size_t count = 0; i < s.size() && count < n; ++count) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    i += c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
  }
  return s.substr(0, std::min(i, s.size()));
}

std::size_t codePoints(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

/// Spark's SchemaUtils.escapeMetaCharacters: control characters that would break the table
/// are shown escaped.
std::string escapeMeta(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\v':
        out += "\\v";
        break;
      case '\a':
        out += "\\a";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string cellText(const std::string& raw, int truncate) {
  std::string s = escapeMeta(raw);
  auto limit = static_cast<std::size_t>(truncate);
  if (truncate > 0 && codePoints(s) > limit) {
    // No ellipsis below 4 characters: it would leave nothing of the value.
    return truncate < 4 ? prefix(s, limit) : prefix(s, limit - 3) + "...";
  }
  return s;
}

}  // namespace

namespace detail {

std::string formatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& cells, int numRows,
                        bool hasMore, int truncate) {
  std::vector<std::size_t> widths(header.size(), 3);  // Spark's minimum column width
  for (std::size_t i = 0; i < header.size(); ++i) {
    widths[i] = std::max(widths[i], displayWidth(header[i]));
  }
  for (const auto& row : cells) {
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], displayWidth(row[i]));
  }
  std::string sep = "+";
  for (auto w : widths) sep += std::string(w, '-') + "+";
  sep += '\n';
  auto line = [&](const std::vector<std::string>& row) {
    std::string out = "|";
    for (std::size_t i = 0; i < row.size(); ++i) {
      std::string pad(widths[i] - displayWidth(row[i]), ' ');
      out += truncate > 0 ? pad + row[i] : row[i] + pad;
      out += '|';
    }
    return out + '\n';
  };
  std::string out = sep + line(header) + sep;
  for (const auto& row : cells) out += line(row);
  out += sep;
  if (hasMore) {
    out += "only showing top " + std::to_string(numRows) + (numRows == 1 ? " row\n" : " rows\n");
  }
  return out;
}

}  // namespace detail

std::string DataFrame::showString(int numRows, int truncate) const {
  numRows = std::max(numRows, 0);
  // One query for the names, the types and the rows; one row more tells whether there are more.
  detail::QueryResult result = detail::fetch(*plan_, static_cast<std::size_t>(numRows));
  const auto& rows = result.rows;
  bool utc = plan_->session->utc();
  std::vector<std::string> header;
  for (const auto& name : result.schema.fieldNames()) header.push_back(cellText(name, 0));
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size());
  for (const auto& row : rows) {
    std::vector<std::string> line;
    line.reserve(row.size());
    for (const auto& v : row.values()) line.push_back(cellText(formatValue(v, utc), truncate));
    cells.push_back(std::move(line));
  }
  return detail::formatTable(header, cells, numRows, result.more, truncate);
}

}  // namespace ember::sql
