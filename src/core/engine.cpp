#include "ember/core/engine.hpp"

#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <regex>
#include <thread>

#include "ember/core/error.hpp"
#include "ember/core/logging.hpp"

namespace ember {

namespace detail {

namespace {

int parsePositive(const std::string& text, const std::string& master) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    throw IllegalArgumentError("Could not parse master URL '" + master + "': '" + text +
                               "' is not a positive number of threads");
  }
  return value;
}

std::filesystem::path makeBlockDirectory() {
  std::error_code ec;
  auto base = std::filesystem::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string pattern = (base / "ember-blocks-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw IoError("cannot create a block directory under " + base.string());
  }
  return pattern;
}

std::mutex g_active_mutex;
std::shared_ptr<EngineState> g_active;

}  // namespace

MasterSpec MasterSpec::parse(const std::string& master) {
  static const std::regex kLocal(R"(local(\[([^,\]]+)(,([^\]]+))?\])?)");
  std::smatch m;
  if (!std::regex_match(master, m, kLocal)) {
    throw IllegalArgumentError("Could not parse master URL: '" + master +
                               "' (allowed: local, local[n], local[*], local[n,maxFailures])");
  }
  MasterSpec spec;
  if (m[2].matched) {
    std::string threads = m[2].str();
    spec.threads = threads == "*"
                       ? static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))
                       : parsePositive(threads, master);
  }
  if (m[4].matched) parsePositive(m[4].str(), master);
  return spec;
}

EngineState::EngineState(Conf conf) : conf_(std::move(conf)) {
  master_ = conf_.get("spark.master", "local[*]");
  app_name_ = conf_.get("spark.app.name", "ember");
  threads_ = MasterSpec::parse(master_).threads;
  default_parallelism_ = conf_.getInt("spark.default.parallelism", threads_);
  if (default_parallelism_ <= 0) {
    throw IllegalArgumentError("spark.default.parallelism must be positive, got " +
                               std::to_string(default_parallelism_));
  }
  pool_ = std::make_unique<ExecutorPool>(threads_);
  blocks_ = std::make_unique<BlockStore>(makeBlockDirectory(),
                                         conf_.getLong("ember.storage.memoryBytes", 0));
}

EngineState::~EngineState() {
  stop();
}

void EngineState::stop() {
  std::lock_guard lock(stop_mutex_);
  if (stopped_.exchange(true)) return;
  clearActiveEngine(this);
  pool_.reset();
  blocks_.reset();
}

void EngineState::checkRunning() const {
  if (stopped_.load()) {
    throw IllegalStateError("Cannot call methods on a stopped engine (application '" + app_name_ +
                            "')");
  }
}

std::shared_ptr<EngineState> activeEngine() {
  std::lock_guard lock(g_active_mutex);
  return g_active;
}

std::shared_ptr<EngineState> activeOrDefaultEngine() {
  std::shared_ptr<EngineState> previous;
  std::lock_guard lock(g_active_mutex);
  if (!g_active || g_active->isStopped()) {
    Conf conf;
    conf.setMaster("local[*]").setAppName("ember");
    previous = std::exchange(g_active, std::make_shared<EngineState>(std::move(conf)));
  }
  return g_active;
}

void setActiveEngine(const std::shared_ptr<EngineState>& engine) {
  std::shared_ptr<EngineState> previous = engine;
  {
    std::lock_guard lock(g_active_mutex);
    g_active.swap(previous);
  }
  // `previous` may hold the last reference to an engine never stopped: its destructor stops it,
  // which takes g_active_mutex, so it is released only here, after the lock.
}

void clearActiveEngine(const EngineState* engine) {
  std::shared_ptr<EngineState> dropped;
  std::lock_guard lock(g_active_mutex);
  if (g_active.get() == engine) dropped.swap(g_active);
  // `dropped` may hold the last reference; it is released after the lock, but the engine being
  // stopped is `engine` itself, which is still alive here (its own stop() called us).
  (void)dropped;
}

}  // namespace detail

Engine::Engine(Conf conf) : state_(std::make_shared<detail::EngineState>(std::move(conf))) {
  detail::setActiveEngine(state_);
}

Engine::Engine(const std::string& master, const std::string& app_name)
    : Engine(Conf().setMaster(master).setAppName(app_name)) {}

Engine Engine::getOrCreate(Conf conf) {
  if (auto active = detail::activeEngine(); active && !active->isStopped()) return Engine(active);
  if (!conf.contains("spark.master")) conf.setMaster("local[*]");
  return Engine(std::move(conf));
}

}  // namespace ember
