#include "prometheus_text.hpp"

#include <fmt/format.h>

#include <cctype>
#include <cmath>

namespace ember::ui::detail {

PrometheusText::Family& PrometheusText::family(const std::string& name, const char* type,
                                               const std::string& help) {
  for (auto& f : families_) {
    if (f.name == name) return f;
  }
  families_.push_back({name, type, help, {}});
  return families_.back();
}

std::string PrometheusText::sample(const std::string& name, const Labels& labels, double value) {
  std::string line = name;
  if (!labels.empty()) {
    line += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) line += ',';
      line += labels[i].first + "=\"" + escapeLabelValue(labels[i].second) + '"';
    }
    line += '}';
  }
  return line + ' ' + formatValue(value);
}

void PrometheusText::gauge(const std::string& name, const std::string& help, double value,
                           const Labels& labels) {
  family(name, "gauge", help).samples.push_back(sample(name, labels, value));
}

void PrometheusText::counter(const std::string& name, const std::string& help, double value,
                             const Labels& labels) {
  family(name, "counter", help).samples.push_back(sample(name, labels, value));
}

void PrometheusText::histogram(const std::string& name, const std::string& help,
                               const Labels& labels, const std::vector<double>& upperBounds,
                               const std::vector<std::uint64_t>& cumulativeCounts,
                               std::uint64_t count, double sum) {
  Family& f = family(name, "histogram", help);
  for (std::size_t i = 0; i < upperBounds.size(); ++i) {
    Labels with_le = labels;
    with_le.emplace_back("le", formatValue(upperBounds[i]));
    f.samples.push_back(
        sample(name + "_bucket", with_le,
               static_cast<double>(i < cumulativeCounts.size() ? cumulativeCounts[i] : 0)));
  }
  Labels inf = labels;
  inf.emplace_back("le", "+Inf");
  f.samples.push_back(sample(name + "_bucket", inf, static_cast<double>(count)));
  f.samples.push_back(sample(name + "_sum", labels, sum));
  f.samples.push_back(sample(name + "_count", labels, static_cast<double>(count)));
}

std::string PrometheusText::str() const {
  std::string out;
  for (const auto& f : families_) {
    out += "# HELP " + f.name + ' ' + f.help + '\n';
    out += "# TYPE " + f.name + ' ' + f.type + '\n';
    for (const auto& s : f.samples) out += s + '\n';
  }
  return out;
}

std::string PrometheusText::snakeCase(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    if (std::isupper(c)) {
      if (i > 0 && out.back() != '_') out += '_';
      out += static_cast<char>(std::tolower(c));
    } else if (std::isalnum(c) || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '_';
    }
  }
  if (!out.empty() && std::isdigit(static_cast<unsigned char>(out[0]))) out = '_' + out;
  return out;
}

std::string PrometheusText::escapeLabelValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string PrometheusText::formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<std::int64_t>(value));
  }
  return fmt::format("{}", value);
}

}  // namespace ember::ui::detail
