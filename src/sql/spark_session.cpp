#include "ember/sql/spark_session.hpp"

#include <mutex>

#include "ember/sql/errors.hpp"
#include "session_state.hpp"

namespace ember::sql {

namespace {
// The process's session (Spark's default session), made lazily.
std::mutex g_mutex;
std::shared_ptr<detail::SessionState> g_session;

/// Makes `state` the process's session; the one it replaces forgets its views, which hold it.
void replaceDefault(std::shared_ptr<detail::SessionState> state) {
  std::shared_ptr<detail::SessionState> old;
  {
    std::lock_guard lock(g_mutex);
    old = std::exchange(g_session, std::move(state));
  }
  if (old) old->clearViews();
}
}  // namespace

SparkSession::Builder& SparkSession::Builder::config(const Conf& conf) {
  for (const auto& [key, value] : conf.getAll()) conf_.set(key, value);
  return *this;
}

SparkSession::Builder& SparkSession::Builder::config(const std::string& key,
                                                     const std::string& value) {
  conf_.set(key, value);
  return *this;
}

SparkSession::Builder& SparkSession::Builder::master(const std::string& master) {
  conf_.setMaster(master);
  return *this;
}

SparkSession::Builder& SparkSession::Builder::appName(const std::string& name) {
  conf_.setAppName(name);
  return *this;
}

SparkSession SparkSession::Builder::getOrCreate() {
  {
    std::lock_guard lock(g_mutex);
    if (g_session && !g_session->engine().isStopped()) return SparkSession(g_session);
  }
  auto state = std::make_shared<detail::SessionState>(Engine::getOrCreate(conf_), conf_);
  replaceDefault(state);
  return SparkSession(state);
}

SparkSession SparkSession::getOrCreate(const Engine& engine) {
  {
    std::lock_guard lock(g_mutex);
    if (g_session && g_session->engine().state() == engine.state()) return SparkSession(g_session);
  }
  auto state = std::make_shared<detail::SessionState>(engine);
  replaceDefault(state);
  return SparkSession(state);
}

SparkSession SparkSession::create(const Engine& engine) {
  return SparkSession(std::make_shared<detail::SessionState>(engine));
}

Engine SparkSession::sparkContext() const {
  return state_->engine();
}

const Conf& SparkSession::conf() const {
  return state_->conf();
}

DataFrame SparkSession::sql(const std::string& statement) const {
  detail::QueryResult result = state_->runStatement(statement);
  return fromSource(std::make_shared<detail::LocalSource>(
      std::move(result.schema), std::move(result.rows), state_->engine()));
}

DataFrame SparkSession::table(const std::string& name) const {
  auto frame = state_->view(name);
  if (!frame) throw AnalysisError("no such table: " + name, "SELECT * FROM " + name);
  return *frame;
}

bool SparkSession::dropTempView(const std::string& name) const {
  return state_->dropView(name);
}

std::vector<std::string> SparkSession::tableNames() const {
  return state_->viewNames();
}

DataFrame SparkSession::createDataFrame(std::vector<Row> rows, const StructType& schema) const {
  for (const auto& row : rows) detail::checkRow(row, schema);
  return fromSource(
      std::make_shared<detail::LocalSource>(schema, std::move(rows), state_->engine()));
}

void SparkSession::stop() const {
  {
    std::lock_guard lock(g_mutex);
    if (g_session == state_) g_session.reset();
  }
  state_->clearViews();
}

DataFrame SparkSession::fromSource(std::shared_ptr<const detail::Source> source) const {
  auto plan = std::make_shared<detail::Plan>();
  plan->session = state_;
  plan->sql = "SELECT * FROM main." + detail::quoteIdentifier(source->tableName());
  plan->sources = {source};
  plan->source = std::move(source);
  plan->alias = state_->newAlias();
  return DataFrame(plan);
}

}  // namespace ember::sql
