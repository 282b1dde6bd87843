// The DataFrame operations, each translated to one SQL SELECT over its input's.

#include "ember/sql/dataframe.hpp"

#include <algorithm>
#include <iostream>

#include "ember/core/error.hpp"
#include "ember/sql/spark_session.hpp"
#include "session_state.hpp"

namespace ember::sql {

namespace {

using detail::Plan;
using detail::quoteIdentifier;

/// The input as it appears in a FROM clause, under the plan's alias.
std::string from(const Plan& p) {
  if (p.source)
    return "main." + quoteIdentifier(p.source->tableName()) + " AS " + quoteIdentifier(p.alias);
  return "(" + p.sql + ") AS " + quoteIdentifier(p.alias);
}

/// What an operation selects from: the join's own FROM and WHERE for a join, else the input
/// under its alias.
std::string input(const Plan& p) {
  if (p.join_from.empty()) return from(p);
  return p.join_where.empty() ? p.join_from : p.join_from + " WHERE " + p.join_where;
}

std::shared_ptr<Plan> newPlan(const Plan& input, std::string sql) {
  auto p = std::make_shared<Plan>();
  p->session = input.session;
  p->sources = input.sources;
  p->sql = std::move(sql);
  p->alias = input.session->newAlias();
  return p;
}

void addSources(Plan& p, const Plan& other) {
  for (const auto& s : other.sources) {
    if (std::find(p.sources.begin(), p.sources.end(), s) == p.sources.end()) p.sources.push_back(s);
  }
}

std::string selectList(const std::vector<Column>& columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + c.selectSql();
  return out;
}

std::string exprList(const std::vector<Column>& columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + c.sql();
  return out;
}

/// "<alias>"."<name>"
std::string qualified(const Plan& p, const std::string& name) {
  return quoteIdentifier(p.alias) + "." + quoteIdentifier(name);
}

enum class JoinKind { Inner, Cross, Left, Right, Full, Semi, Anti };

JoinKind joinKind(const std::string& type) {
  std::string t;
  for (char c : type) {
    if (c != '_') t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (t == "inner") return JoinKind::Inner;
  if (t == "cross") return JoinKind::Cross;
  if (t == "outer" || t == "full" || t == "fullouter") return JoinKind::Full;
  if (t == "left" || t == "leftouter") return JoinKind::Left;
  if (t == "right" || t == "rightouter") return JoinKind::Right;
  if (t == "semi" || t == "leftsemi") return JoinKind::Semi;
  if (t == "anti" || t == "leftanti") return JoinKind::Anti;
  throw IllegalArgumentError(
      "Unsupported join type '" + type +
      "'. Supported join types include: 'inner', 'outer', 'full', 'fullouter', 'full_outer', "
      "'leftouter', 'left', 'left_outer', 'rightouter', 'right', 'right_outer', 'leftsemi', "
      "'left_semi', 'semi', 'leftanti', 'left_anti', 'anti', 'cross'");
}

const char* joinKeyword(JoinKind kind) {
  switch (kind) {
    case JoinKind::Left:
      return " LEFT JOIN ";
    case JoinKind::Right:
      return " RIGHT JOIN ";
    case JoinKind::Full:
      return " FULL JOIN ";
    case JoinKind::Cross:
      return " CROSS JOIN ";
    default:
      return " JOIN ";
  }
}

/// The right side under an alias of its own, so that a frame can be joined with itself.
std::shared_ptr<const Plan> distinctAlias(const Plan& left,
                                          const std::shared_ptr<const Plan>& right) {
  if (left.alias != right->alias) return right;
  auto p = std::make_shared<Plan>();
  p->session = right->session;
  p->source = right->source;
  p->sources = right->sources;
  p->sql = right->sql;
  p->alias = right->session->newAlias();
  return p;
}

DataFrame semiOrAnti(const Plan& l, const Plan& r, JoinKind kind, const std::string& condition) {
  auto p = newPlan(l, "SELECT " + quoteIdentifier(l.alias) + ".* FROM " + from(l) + " WHERE " +
                          (kind == JoinKind::Anti ? "NOT " : "") + "EXISTS (SELECT 1 FROM " +
                          from(r) + " WHERE " + condition + ")");
  addSources(*p, r);
  return DataFrame(p);
}

}  // namespace

StructType DataFrame::schema() const {
  if (plan_->source) return plan_->source->schema();
  std::lock_guard lock(plan_->schema_mutex);
  if (!plan_->schema) plan_->schema = plan_->session->run(*plan_, std::nullopt).schema;
  return *plan_->schema;
}

void DataFrame::printSchema() const {
  std::cout << schema().treeString() << std::endl;
}

const std::string& DataFrame::sqlText() const {
  return plan_->sql;
}

SparkSession DataFrame::sparkSession() const {
  return SparkSession(plan_->session);
}

std::vector<Row> DataFrame::collect() const {
  return detail::fetch(*plan_, std::nullopt).rows;
}

std::int64_t DataFrame::count() const {
  if (plan_->source) return plan_->source->count();
  auto p = newPlan(*plan_, "SELECT count(*) FROM " + from(*plan_));
  return plan_->session->run(*p, std::nullopt).rows.at(0).getLong(0);
}

std::vector<Row> DataFrame::take(int n) const {
  if (n < 0) {
    throw IllegalArgumentError("take: the number of rows must not be negative, got " +
                               std::to_string(n));
  }
  return detail::fetch(*plan_, static_cast<std::size_t>(n)).rows;
}

Row DataFrame::first() const {
  auto rows = take(1);
  if (rows.empty()) throw NoSuchElementError("first: the DataFrame is empty");
  return rows.front();
}

bool DataFrame::isEmpty() const {
  return take(1).empty();
}

void DataFrame::show(int numRows, bool truncate) const {
  show(numRows, truncate ? 20 : 0);
}

void DataFrame::show(int numRows, int truncate) const {
  // Spark prints the table with println: the table's last line and then an empty one.
  std::string text = showString(numRows, truncate) + "\n";
  std::cout << text << std::flush;
}

Rdd<Row> DataFrame::toRdd() const {
  if (plan_->source) return plan_->source->toRdd();
  return plan_->session->engine().parallelize(collect());
}

DataFrame DataFrame::select(const std::vector<Column>& columns) const {
  if (columns.empty()) throw IllegalArgumentError("select: give at least one column");
  return DataFrame(newPlan(*plan_, "SELECT " + selectList(columns) + " FROM " + input(*plan_)));
}

DataFrame DataFrame::selectExpr(const std::vector<std::string>& expressions) const {
  if (expressions.empty()) throw IllegalArgumentError("selectExpr: give at least one expression");
  std::string list;
  for (const auto& e : expressions) list += (list.empty() ? "" : ", ") + e;
  return DataFrame(newPlan(*plan_, "SELECT " + list + " FROM " + input(*plan_)));
}

DataFrame DataFrame::filter(const Column& condition) const {
  if (!plan_->join_from.empty()) {
    // Still the join, with one more condition: its sides stay nameable.
    std::string where = plan_->join_where.empty()
                            ? condition.sql()
                            : "(" + plan_->join_where + ") AND " + condition.sql();
    auto p = newPlan(*plan_, "SELECT * FROM " + plan_->join_from + " WHERE " + where);
    p->join_from = plan_->join_from;
    p->join_where = std::move(where);
    return DataFrame(p);
  }
  return DataFrame(newPlan(*plan_, "SELECT * FROM " + from(*plan_) + " WHERE " + condition.sql()));
}

DataFrame DataFrame::filter(const std::string& condition) const {
  return filter(expr(condition));
}

GroupedData DataFrame::groupBy(const std::vector<Column>& columns) const {
  return GroupedData(*this, columns);
}

DataFrame DataFrame::agg(const std::vector<Column>& aggregates) const {
  return GroupedData(*this, {}).agg(aggregates);
}

DataFrame DataFrame::orderBy(const std::vector<Column>& columns) const {
  if (columns.empty()) return *this;
  return DataFrame(
      newPlan(*plan_, "SELECT * FROM " + input(*plan_) + " ORDER BY " + exprList(columns)));
}

DataFrame DataFrame::limit(int n) const {
  if (n < 0) {
    throw IllegalArgumentError(
        "limit: the limit expression must be equal to or greater than 0, but got " +
        std::to_string(n));
  }
  return DataFrame(
      newPlan(*plan_, "SELECT * FROM " + from(*plan_) + " LIMIT " + std::to_string(n)));
}

DataFrame DataFrame::distinct() const {
  return DataFrame(newPlan(*plan_, "SELECT DISTINCT * FROM " + from(*plan_)));
}

DataFrame DataFrame::union_(const DataFrame& other) const {
  auto r = distinctAlias(*plan_, other.plan_);
  auto p =
      newPlan(*plan_, "SELECT * FROM " + from(*plan_) + " UNION ALL SELECT * FROM " + from(*r));
  addSources(*p, *r);
  return DataFrame(p);
}

DataFrame DataFrame::crossJoin(const DataFrame& right) const {
  auto r = distinctAlias(*plan_, right.plan_);
  auto p = newPlan(*plan_, "SELECT * FROM " + from(*plan_) + " CROSS JOIN " + from(*r));
  p->join_from = from(*plan_) + " CROSS JOIN " + from(*r);
  addSources(*p, *r);
  return DataFrame(p);
}

DataFrame DataFrame::join(const DataFrame& right) const {
  return crossJoin(right);
}

DataFrame DataFrame::join(const DataFrame& right, const std::string& usingColumn) const {
  return join(right, std::vector<std::string>{usingColumn}, "inner");
}

DataFrame DataFrame::join(const DataFrame& right, const std::vector<std::string>& usingColumns,
                          const std::string& joinType) const {
  JoinKind kind = joinKind(joinType);
  if (usingColumns.empty()) {
    if (kind == JoinKind::Inner || kind == JoinKind::Cross) return crossJoin(right);
    throw IllegalArgumentError("join: a " + joinType + " join needs at least one using column");
  }
  auto r = distinctAlias(*plan_, right.plan_);
  const Plan& l = *plan_;
  std::string condition;
  for (const auto& k : usingColumns) {
    condition += (condition.empty() ? "" : " AND ") + qualified(l, k) + " = " + qualified(*r, k);
  }
  if (kind == JoinKind::Semi || kind == JoinKind::Anti) return semiOrAnti(l, *r, kind, condition);
  // Spark's using join: each key once, first, then the other columns of the left and the right.
  std::vector<std::string> keys = usingColumns;
  auto isKey = [&](const std::string& name) {
    return std::find(keys.begin(), keys.end(), name) != keys.end();
  };
  StructType left_schema = schema();
  StructType right_schema = DataFrame(r).schema();
  for (const auto& k : keys) {
    left_schema.fieldIndex(k);  // throws IllegalArgumentError naming the columns there are
    right_schema.fieldIndex(k);
  }
  std::string list;
  auto add = [&](const std::string& item) { list += (list.empty() ? "" : ", ") + item; };
  for (const auto& k : keys) {
    std::string key = kind == JoinKind::Right ? qualified(*r, k)
                      : kind == JoinKind::Full
                          ? "COALESCE(" + qualified(l, k) + ", " + qualified(*r, k) + ")"
                          : qualified(l, k);
    add(key + " AS " + quoteIdentifier(k));
  }
  for (const auto& f : left_schema.fields()) {
    if (!isKey(f.name)) add(qualified(l, f.name) + " AS " + quoteIdentifier(f.name));
  }
  for (const auto& f : right_schema.fields()) {
    if (!isKey(f.name)) add(qualified(*r, f.name) + " AS " + quoteIdentifier(f.name));
  }
  auto p = newPlan(
      l, "SELECT " + list + " FROM " + from(l) + joinKeyword(kind) + from(*r) + " ON " + condition);
  addSources(*p, *r);
  return DataFrame(p);
}

DataFrame DataFrame::join(const DataFrame& right, const Column& condition,
                          const std::string& joinType) const {
  JoinKind kind = joinKind(joinType);
  auto r = distinctAlias(*plan_, right.plan_);
  if (kind == JoinKind::Semi || kind == JoinKind::Anti) {
    return semiOrAnti(*plan_, *r, kind, condition.sql());
  }
  std::string join_from = from(*plan_) + joinKeyword(kind) + from(*r) + " ON " + condition.sql();
  auto p = newPlan(*plan_, "SELECT * FROM " + join_from);
  p->join_from = std::move(join_from);
  addSources(*p, *r);
  return DataFrame(p);
}

DataFrame DataFrame::withColumn(const std::string& name, const Column& value) const {
  std::vector<Column> columns;
  bool replaced = false;
  StructType s = schema();
  for (const auto& f : s.fields()) {
    if (f.name == name) {
      columns.push_back(value.alias(name));
      replaced = true;
    } else {
      columns.push_back(sql::col(f.name));
    }
  }
  if (!replaced) columns.push_back(value.alias(name));
  return select(columns);
}

DataFrame DataFrame::withColumnRenamed(const std::string& existing, const std::string& name) const {
  std::vector<Column> columns;
  StructType s = schema();
  for (const auto& f : s.fields()) {
    columns.push_back(f.name == existing ? sql::col(f.name).alias(name) : sql::col(f.name));
  }
  return select(columns);
}

DataFrame DataFrame::drop(const std::string& name) const {
  std::vector<Column> columns;
  StructType s = schema();
  for (const auto& f : s.fields()) {
    if (f.name != name) columns.push_back(sql::col(f.name));
  }
  if (columns.size() == s.size()) return *this;  // Spark ignores a column that is not there
  if (columns.empty()) {
    throw IllegalArgumentError("drop: '" + name + "' is the only column; a DataFrame needs one");
  }
  return select(columns);
}

DataFrame DataFrame::toDF(const std::vector<std::string>& names) const {
  StructType s = schema();
  if (names.size() != s.size()) {
    throw IllegalArgumentError(
        "toDF: the number of columns doesn't match: " + std::to_string(s.size()) + " columns, " +
        std::to_string(names.size()) + " names");
  }
  std::vector<Column> columns;
  for (std::size_t i = 0; i < s.size(); ++i) columns.push_back(sql::col(s[i].name).alias(names[i]));
  return select(columns);
}

DataFrame DataFrame::alias(const std::string& name) const {
  if (name.empty()) throw IllegalArgumentError("alias: the name must not be empty");
  auto p = std::make_shared<Plan>();
  p->session = plan_->session;
  p->source = plan_->source;
  p->sources = plan_->sources;
  p->sql = plan_->sql;
  p->alias = name;
  return DataFrame(p);
}

Column DataFrame::col(const std::string& name) const {
  if (name == "*") return Column(quoteIdentifier(plan_->alias) + ".*", "*");
  return Column(qualified(*plan_, name), name);
}

void DataFrame::createOrReplaceTempView(const std::string& name) const {
  if (name.empty())
    throw IllegalArgumentError("createOrReplaceTempView: the name must not be empty");
  plan_->session->createView(name, *this);
}

DataFrame unionAll(const std::vector<DataFrame>& frames) {
  if (frames.empty()) throw IllegalArgumentError("unionAll: give at least one DataFrame");
  // SQLite takes at most 500 terms in one compound SELECT: longer lists are unions of chunks.
  constexpr std::size_t kChunk = 200;
  if (frames.size() > kChunk) {
    std::vector<DataFrame> chunks;
    for (std::size_t i = 0; i < frames.size(); i += kChunk) {
      auto end = frames.begin() + static_cast<std::ptrdiff_t>(std::min(frames.size(), i + kChunk));
      chunks.push_back(
          unionAll(std::vector<DataFrame>(frames.begin() + static_cast<std::ptrdiff_t>(i), end)));
    }
    return unionAll(chunks);
  }
  if (frames.size() == 1) return frames.front();
  const Plan& first = *frames.front().plan();
  std::string sql;
  std::vector<std::shared_ptr<const Plan>> plans;
  for (const auto& f : frames) {
    std::shared_ptr<const Plan> p = f.plan();
    for (const auto& q : plans) {
      if (q->alias == p->alias) {
        p = distinctAlias(*q, p);
        break;
      }
    }
    sql += (sql.empty() ? "SELECT * FROM " : " UNION ALL SELECT * FROM ") + from(*p);
    plans.push_back(p);
  }
  auto result = newPlan(first, std::move(sql));
  for (const auto& p : plans) addSources(*result, *p);
  return DataFrame(result);
}

DataFrame GroupedData::count() const {
  return agg({Column("count(*)", "count")});
}

DataFrame GroupedData::agg(const std::vector<Column>& aggregates) const {
  if (aggregates.empty()) throw IllegalArgumentError("agg: give at least one aggregate");
  std::vector<Column> all = groups_;
  all.insert(all.end(), aggregates.begin(), aggregates.end());
  const Plan& in = *frame_.plan();
  std::string sql = "SELECT " + selectList(all) + " FROM " + input(in);
  if (!groups_.empty()) sql += " GROUP BY " + exprList(groups_);
  return DataFrame(newPlan(in, std::move(sql)));
}

namespace {
std::vector<Column> each(const std::vector<std::string>& names, Column (*fn)(const Column&)) {
  std::vector<Column> out;
  for (const auto& n : names) out.push_back(fn(col(n)));
  return out;
}
}  // namespace

DataFrame GroupedData::sum(const std::vector<std::string>& columns) const {
  return agg(each(columns, static_cast<Column (*)(const Column&)>(&sql::sum)));
}
DataFrame GroupedData::avg(const std::vector<std::string>& columns) const {
  return agg(each(columns, static_cast<Column (*)(const Column&)>(&sql::avg)));
}
DataFrame GroupedData::min(const std::vector<std::string>& columns) const {
  return agg(each(columns, static_cast<Column (*)(const Column&)>(&sql::min)));
}
DataFrame GroupedData::max(const std::vector<std::string>& columns) const {
  return agg(each(columns, static_cast<Column (*)(const Column&)>(&sql::max)));
}

}  // namespace ember::sql
