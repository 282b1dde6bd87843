#pragma once

#include <string>

#include "ember/core/error.hpp"

namespace ember::sql {

/// A statement the SQL engine refused or failed to run: a syntax error, an unknown table or
/// column, a type mismatch, a constraint. Carries the engine's own message and the statement
/// (Spark's AnalysisException and ParseException).
class AnalysisError : public Error {
 public:
  AnalysisError(std::string engine_message, std::string statement)
      : Error(engine_message + "; in statement: " + statement),
        engine_message_(std::move(engine_message)),
        statement_(std::move(statement)) {}

  /// What the engine said, e.g. "no such table: wrods".
  const std::string& engineMessage() const noexcept { return engine_message_; }
  /// The SQL text that failed.
  const std::string& statement() const noexcept { return statement_; }

 private:
  std::string engine_message_;
  std::string statement_;
};

}  // namespace ember::sql
