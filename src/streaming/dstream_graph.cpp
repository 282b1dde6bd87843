#include "dstream_graph.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "ember/core/error.hpp"

namespace ember::detail {

int DStreamGraph::nextNodeId() {
  std::lock_guard lock(mutex_);
  return next_node_id_++;
}

void DStreamGraph::adoptLocked(const std::shared_ptr<DStreamNodeBase>& node) {
  if (!nodes_.emplace(node->id(), node).second) return;
  for (const auto& parent : node->parents()) adoptLocked(parent);
}

void DStreamGraph::adopt(const std::shared_ptr<DStreamNodeBase>& node) {
  std::lock_guard lock(mutex_);
  adoptLocked(node);
}

int DStreamGraph::addInputStream(std::shared_ptr<DStreamNodeBase> node, InputNodeBase* input) {
  std::lock_guard lock(mutex_);
  adoptLocked(node);
  int id = static_cast<int>(inputs_.size());
  input->setInputStreamId(id);
  inputs_.push_back(std::move(node));
  input_handles_.push_back(input);
  return id;
}

int DStreamGraph::addOutputStream(std::shared_ptr<OutputNode> node) {
  std::lock_guard lock(mutex_);
  adoptLocked(node);
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

std::shared_ptr<DStreamNodeBase> DStreamGraph::node(int id) const {
  std::lock_guard lock(mutex_);
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<DStreamNodeBase>> DStreamGraph::nodes() const {
  std::vector<std::shared_ptr<DStreamNodeBase>> out;
  std::lock_guard lock(mutex_);
  out.reserve(nodes_.size());
  for (const auto& [id, node] : nodes_) out.push_back(node);
  return out;
}

std::vector<std::string> DStreamGraph::describe() const {
  std::vector<std::string> lines;
  for (const auto& node : nodes()) {
    std::string line = std::to_string(node->id()) + " " + node->shapeKind() + " parents=[";
    for (std::size_t i = 0; i < node->parents().size(); ++i) {
      if (i > 0) line += ",";
      line += std::to_string(node->parents()[i]->id());
    }
    line += "] slide=" + node->slideDuration().toString();
    if (std::string params = node->shapeParams(); !params.empty()) line += " " + params;
    lines.push_back(std::move(line));
  }
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    lines.push_back("input " + std::to_string(i) + " = " + std::to_string(inputs_[i]->id()));
  }
  for (std::size_t i = 0; i < outputs_.size(); ++i) {
    lines.push_back("output " + std::to_string(i) + " = " + std::to_string(outputs_[i]->id()));
  }
  if (remember_) lines.push_back("remember " + remember_->toString());
  return lines;
}

std::vector<std::pair<int, InputNodeBase*>> DStreamGraph::inputs() const {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<int, InputNodeBase*>> out;
  for (std::size_t i = 0; i < inputs_.size(); ++i)
    out.emplace_back(inputs_[i]->id(), input_handles_[i]);
  return out;
}

std::string DStreamGraph::fingerprint() const {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const auto& line : describe()) {
    for (unsigned char c : line + "\n") {
      hash ^= c;
      hash *= 0x100000001b3ULL;
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

std::vector<std::shared_ptr<OutputNode>> DStreamGraph::outputsCopy() const {
  std::lock_guard lock(mutex_);
  return outputs_;
}

std::vector<std::unique_ptr<NodeStateBase>> DStreamGraph::start(Time zero_time) {
  auto outputs = outputsCopy();
  auto all = nodes();
  std::optional<Duration> remember;
  {
    std::lock_guard lock(mutex_);
    remember = remember_;
  }
  for (auto& out : outputs) out->validateAtStart();

  // Spark's initialize then remember: every stream remembers at least its slide, and as long as
  // any consumer needs (windows add their length); ssc.remember() applies to every stream
  // reachable from an output.
  std::map<int, Duration> remembers;
  for (const auto& node : all) remembers[node->id()] = node->slideDuration();
  std::function<void(const DStreamNodeBase&, std::optional<Duration>)> propagate =
      [&](const DStreamNodeBase& node, std::optional<Duration> at_least) {
        Duration& own = remembers[node.id()];
        if (at_least && *at_least > own) own = *at_least;
        for (const auto& parent : node.parents()) {
          propagate(*parent, node.parentRememberDuration(own));
        }
      };
  for (const auto& out : outputs) propagate(*out, remember);

  // A stream persists at its own level; without one, at the level a consumer asks of it (a
  // window's parent is read by several windows).
  std::map<int, StorageLevel> levels;
  for (const auto& node : all) levels[node->id()] = node->configuredStorageLevel();
  for (const auto& node : all) {
    StorageLevel wanted = node->parentStorageLevel();
    if (!wanted.isValid()) continue;
    for (const auto& parent : node->parents()) {
      if (!levels[parent->id()].isValid()) levels[parent->id()] = wanted;
    }
  }

  std::vector<std::unique_ptr<NodeStateBase>> states(all.empty() ? 0 : all.back()->id() + 1);
  for (const auto& node : all) {
    states[node->id()] = node->makeState(zero_time, remembers[node->id()], levels[node->id()]);
  }
  return states;
}

void DStreamGraph::startInputs() {
  std::vector<InputNodeBase*> inputs;
  {
    std::lock_guard lock(mutex_);
    inputs = input_handles_;
  }
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

Duration DStreamGraph::maxInputRememberDuration(Duration batch) const {
  Duration keep = batch;
  std::vector<std::shared_ptr<DStreamNodeBase>> inputs;
  {
    std::lock_guard lock(mutex_);
    inputs = inputs_;
  }
  for (const auto& input : inputs) {
    if (input->isInitialized()) keep = std::max(keep, input->rememberDuration());
  }
  return keep;
}

}  // namespace ember::detail
