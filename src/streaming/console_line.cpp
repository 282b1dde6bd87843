#include "console_line.hpp"

#include <cstdio>
#include <mutex>

namespace ember::detail {

namespace {

// Never destroyed: a context kept until the end of the process (getActiveOrCreate) clears the
// line from its listener's destructor, after function-local statics may be gone.
std::mutex& consoleMutex() {
  static auto* mutex = new std::mutex;
  return *mutex;
}

std::string& shownLine() {
  static auto* line = new std::string;  // empty: nothing shown
  return *line;
}

void writeErr(const std::string& s) {
  std::fwrite(s.data(), 1, s.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void lockConsole() {
  consoleMutex().lock();
}

void unlockConsole() {
  consoleMutex().unlock();
}

void eraseConsoleLineLocked() {
  if (!shownLine().empty()) writeErr("\r\x1b[K");
}

void redrawConsoleLineLocked() {
  if (!shownLine().empty()) writeErr("\r\x1b[K" + shownLine());
}

void setConsoleLine(const std::string& line) {
  std::lock_guard lock(consoleMutex());
  shownLine() = line;
  writeErr("\r\x1b[K" + line);
}

void clearConsoleLine() {
  std::lock_guard lock(consoleMutex());
  if (shownLine().empty()) return;
  writeErr("\r\x1b[K");
  shownLine().clear();
}

}  // namespace ember::detail
