#pragma once

#include <string>

namespace ember::detail {

/// The one-line status redrawn in place on standard error (spark.ui.showConsoleProgress), kept
/// apart from print()'s blocks on standard output: writeBlock() erases the line before a block
/// and draws it again after, under the same lock, so the two never mix on a terminal.
/// Thread-safe.
void setConsoleLine(const std::string& line);
/// Erases the line, if one is shown, and shows none until the next setConsoleLine.
void clearConsoleLine();
/// Runs `write` (which writes to standard output) with the line erased around it.
template <class F>
void withConsoleLineErased(F&& write);
void lockConsole();
void unlockConsole();
/// Erases / redraws the shown line; the console must be locked.
void eraseConsoleLineLocked();
void redrawConsoleLineLocked();

template <class F>
void withConsoleLineErased(F&& write) {
  lockConsole();
  try {
    eraseConsoleLineLocked();
    write();
    redrawConsoleLineLocked();
  } catch (...) {
    unlockConsole();
    throw;
  }
  unlockConsole();
}

}  // namespace ember::detail
