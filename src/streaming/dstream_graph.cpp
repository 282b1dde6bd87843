#include "ember/streaming/dstream_graph.hpp"

#include <algorithm>

namespace ember::detail {

int DStreamGraph::addInputStream(std::shared_ptr<DStreamNodeBase> node, InputNodeBase* input) {
  std::lock_guard lock(mutex_);
  int id = static_cast<int>(inputs_.size());
  input->setInputStreamId(id);
  inputs_.push_back(std::move(node));
  input_handles_.push_back(input);
  return id;
}

int DStreamGraph::addOutputStream(std::shared_ptr<OutputNode> node) {
  std::lock_guard lock(mutex_);
  int id = static_cast<int>(outputs_.size());
  node->setOutputOpId(id);
  outputs_.push_back(std::move(node));
  return id;
}

void DStreamGraph::setRememberDuration(Duration duration) {
  std::lock_guard lock(mutex_);
  remember_ = duration;
}

bool DStreamGraph::hasOutputs() const {
  std::lock_guard lock(mutex_);
  return !outputs_.empty();
}

std::vector<std::shared_ptr<OutputNode>> DStreamGraph::outputsCopy() const {
  std::lock_guard lock(mutex_);
  return outputs_;
}

void DStreamGraph::start(Time zero_time) {
  auto outputs = outputsCopy();
  std::optional<Duration> remember;
  std::vector<InputNodeBase*> inputs;
  {
    std::lock_guard lock(mutex_);
    remember = remember_;
    inputs = input_handles_;
  }
  for (auto& out : outputs) out->initialize(zero_time);
  for (auto& out : outputs) out->remember(remember);
  for (auto& out : outputs) out->validateAtStart();
  std::size_t started = 0;
  try {
    for (; started < inputs.size(); ++started) inputs[started]->startInput();
  } catch (...) {
    for (std::size_t i = 0; i < started; ++i) inputs[i]->stopInput();
    throw;
  }
}

void DStreamGraph::stopInputs() {
  std::vector<InputNodeBase*> inputs;
  {
    std::lock_guard lock(mutex_);
    inputs = input_handles_;
  }
  for (auto* input : inputs) input->stopInput();
}

std::vector<Job> DStreamGraph::generateJobs(Time time) {
  std::vector<Job> jobs;
  for (auto& out : outputsCopy()) {
    if (auto job = out->generateJob(time)) jobs.push_back(std::move(*job));
  }
  return jobs;
}

void DStreamGraph::clearMetadata(Time time) {
  for (auto& out : outputsCopy()) out->clearMetadata(time);
}

Duration DStreamGraph::maxRememberDuration(Duration batch) const {
  Duration keep = batch;
  std::lock_guard lock(mutex_);
  for (const auto& input : inputs_) {
    if (input->isInitialized()) keep = std::max(keep, input->rememberDuration());
  }
  return keep;
}

}  // namespace ember::detail
