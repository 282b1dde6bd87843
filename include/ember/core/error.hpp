#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace ember {

/// Root of every error ember throws. Messages name what was wrong and what is allowed.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An argument outside what the function accepts (Spark: IllegalArgumentException).
class IllegalArgumentError : public Error {
 public:
  using Error::Error;
};

/// A call that the object's current state does not allow (Spark: IllegalStateException).
class IllegalStateError : public Error {
 public:
  using Error::Error;
};

/// An operation that is not supported on this object (Spark: UnsupportedOperationException).
class UnsupportedOperationError : public Error {
 public:
  using Error::Error;
};

/// A lookup of something absent: a configuration key, an element of an empty dataset.
class NoSuchElementError : public Error {
 public:
  using Error::Error;
};

/// Reading or writing files or sockets failed.
class IoError : public Error {
 public:
  using Error::Error;
};

/// Bytes could not be turned back into values, or a value could not be written.
class SerializationError : public Error {
 public:
  using Error::Error;
};

/// A checkpoint cannot be used: a file that is not an ember checkpoint, one written by a newer
/// format, a graph of another shape, or a directory with no readable checkpoint.
class CheckpointError : public Error {
 public:
  using Error::Error;
};

/// A checkpoint or log file that was torn, truncated or altered after it was written: its length
/// or checksum does not match. Readers fall back to an older file.
class CorruptCheckpointError : public CheckpointError {
 public:
  using CheckpointError::CheckpointError;
};

/// A task of a job threw. The message carries the stage, the partition and the original message;
/// `cause()` is the original exception.
class TaskFailedError : public Error {
 public:
  TaskFailedError(int stage_id, int partition, std::string cause_message, std::exception_ptr cause)
      : Error("Job aborted due to stage failure: task for partition " + std::to_string(partition) +
              " in stage " + std::to_string(stage_id) + " failed: " + cause_message),
        stage_id_(stage_id),
        partition_(partition),
        cause_message_(std::move(cause_message)),
        cause_(std::move(cause)) {}

  int stageId() const noexcept { return stage_id_; }
  int partition() const noexcept { return partition_; }
  const std::string& causeMessage() const noexcept { return cause_message_; }
  std::exception_ptr cause() const noexcept { return cause_; }

 private:
  int stage_id_;
  int partition_;
  std::string cause_message_;
  std::exception_ptr cause_;
};

/// The message of an exception caught as exception_ptr: what() for std::exception, otherwise a
/// note that it was of another type; empty for a null pointer. Does not throw.
std::string describeException(const std::exception_ptr& error) noexcept;

}  // namespace ember
