#pragma once

// A fresh directory for one test, and whole-file reads and writes in it.

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace ember_test {

/// A new directory under the system's temporary directory, removed with all it holds when the
/// object goes.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "ember") {
    // mkdtemp fills in the last six characters of the template, which must be X.
    std::string pattern =
        (std::filesystem::temp_directory_path() / (prefix + "_" + std::string(6, 'X'))).string();
    root_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return root_; }
  std::string str() const { return root_.string(); }
  std::filesystem::path operator/(const std::string& name) const { return root_ / name; }

 private:
  std::filesystem::path root_;
};

/// The bytes of a file (empty when it cannot be read).
inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// Replaces a file's bytes.
inline void writeFile(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace ember_test
