#pragma once

#include <functional>
#include <string>

#include "ember/streaming/duration.hpp"

namespace ember::detail {

/// The work of one output operation for one batch. Runs on the job scheduler's thread.
struct Job {
  Time time;
  int outputOpId = 0;
  std::string name;
  std::function<void()> run;
};

}  // namespace ember::detail
