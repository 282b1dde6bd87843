#include "console_line.hpp"

#include <cstdio>
#include <mutex>

namespace ember::detail {

namespace {

std::mutex& consoleMutex() {
  static std::mutex mutex;
  return mutex;
}

std::string& shownLine() {
  static std::string line;  // empty: nothing shown
  return line;
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
