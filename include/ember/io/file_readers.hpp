#pragma once

// Readers for ssc.fileStream: each turns one whole file into its records, as a Hadoop input
// format does for Spark's fileStream. textFileStream and binaryRecordsStream are fileStream with
// the first and the last of them.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ember {

/// The lines of a text file, as Hadoop's LineRecordReader reads them: a line ends at "\n",
/// "\r\n" or "\r"; a leading UTF-8 byte-order mark is dropped; malformed UTF-8 becomes U+FFFD.
/// Throws IoError naming the file when it cannot be opened or read.
std::vector<std::string> readLines(const std::string& path);

/// The lines of a text file with the byte offset each starts at (TextInputFormat's
/// (LongWritable, Text) pairs); the first line starts at 0 even after a byte-order mark.
/// Throws IoError naming the file when it cannot be opened or read.
std::vector<std::pair<std::int64_t, std::string>> readLinesWithOffsets(const std::string& path);

/// A file cut into records of recordLength bytes each (Spark's FixedLengthBinaryInputFormat).
/// Throws IllegalArgumentError when recordLength is not positive, and IoError naming the file
/// when it cannot be read or its length is not a multiple of recordLength (Spark's reader fails
/// with an EOFException on the partial last record).
std::vector<std::vector<std::uint8_t>> readFixedLengthRecords(const std::string& path,
                                                              int recordLength);

}  // namespace ember
