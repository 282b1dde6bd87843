// ember::split (Java's String.split with a one-character separator) and ember::toString (Spark's
// rendering of records).
#include <gtest/gtest.h>

#include <cmath>

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ember/core.hpp"

namespace {

using Strings = std::vector<std::string>;

TEST(Split, JavaSemantics) {
  EXPECT_EQ(ember::split("a  b", ' '), (Strings{"a", "", "b"}));
  EXPECT_EQ(ember::split("a b ", ' '), (Strings{"a", "b"}));
  EXPECT_EQ(ember::split("", ' '), (Strings{""}));
  EXPECT_EQ(ember::split(" ", ' '), (Strings{}));
  EXPECT_EQ(ember::split("   ", ' '), (Strings{}));
  EXPECT_EQ(ember::split(" a", ' '), (Strings{"", "a"}));
  EXPECT_EQ(ember::split("a", ' '), (Strings{"a"}));
  EXPECT_EQ(ember::split("a b c", ' '), (Strings{"a", "b", "c"}));
  EXPECT_EQ(ember::split("  a  ", ' '), (Strings{"", "", "a"}));
  EXPECT_EQ(ember::split("x,y,,", ','), (Strings{"x", "y"}));
  EXPECT_EQ(ember::split("x,,y", ','), (Strings{"x", "", "y"}));
}

TEST(Split, ForEachSplitSeesTheSamePieces) {
  for (const char* s : {"a  b", "a b ", "", " ", " a", "abc", "  x y  z  "}) {
    Strings pieces;
    ember::forEachSplit(s, ' ', [&](std::string_view p) { pieces.emplace_back(p); });
    EXPECT_EQ(pieces, ember::split(s, ' ')) << "'" << s << "'";
  }
}

TEST(Split, PiecesReadAsAVector) {
  auto pieces = ember::split("to be or not", ' ');
  EXPECT_EQ(pieces.size(), 4u);
  EXPECT_FALSE(pieces.empty());
  EXPECT_EQ(pieces[1], "be");
  EXPECT_EQ(pieces.front(), "to");
  EXPECT_EQ(pieces.back(), "not");
  pieces[1] = "BE";  // a change made through the vector is kept
  Strings copy = pieces;
  EXPECT_EQ(copy, (Strings{"to", "BE", "or", "not"}));
  Strings joined;
  for (auto& w : pieces) joined.push_back(std::move(w));
  EXPECT_EQ(joined, (Strings{"to", "BE", "or", "not"}));
  const auto fresh = ember::split("x y", ' ');
  EXPECT_EQ(std::vector<std::string>(fresh.begin(), fresh.end()), (Strings{"x", "y"}));
  EXPECT_EQ(ember::split("x y", ' ').vector(), (Strings{"x", "y"}));
}

TEST(Split, PiecesOutliveTheSplitString) {
  // Short texts are kept in place, long ones on the heap: both survive the string, a copy and a
  // move of the pieces.
  for (std::size_t words : {2u, 100u}) {
    Strings expected;
    std::optional<ember::SplitPieces> kept;
    {
      std::string line;
      for (std::size_t i = 0; i < words; ++i) {
        expected.push_back("w" + std::to_string(i));
        line += (i ? " " : "") + expected.back();
      }
      kept.emplace(ember::split(line, ' '));
      line.assign(line.size(), '#');
    }
    ember::SplitPieces copied = *kept;
    ember::SplitPieces moved = std::move(*kept);
    Strings viewed;
    copied.forEachView([&](std::string_view w) { viewed.emplace_back(w); });
    EXPECT_EQ(viewed, expected) << words << " words";
    EXPECT_EQ(moved, expected) << words << " words";
    ember::SplitPieces assigned = ember::split("z", ' ');
    assigned = moved;
    EXPECT_EQ(assigned, expected) << words << " words";
  }
}

TEST(ToString, SparkRendering) {
  EXPECT_EQ(ember::toString(std::pair<std::string, int>("a", 1)), "(a,1)");
  EXPECT_EQ(ember::toString(std::pair(std::pair(1, 2), std::string("x"))), "((1,2),x)");
  EXPECT_EQ(ember::toString(std::pair(1, std::pair(2, std::pair(3, 4)))), "(1,(2,(3,4)))");
  EXPECT_EQ(ember::toString(std::tuple<int, std::string, bool>(1, "b", false)), "(1,b,false)");
  EXPECT_EQ(ember::toString(std::tuple<int>(7)), "(7)");
  EXPECT_EQ(ember::toString(std::optional<int>()), "None");
  EXPECT_EQ(ember::toString(std::optional<int>(3)), "Some(3)");
  EXPECT_EQ(ember::toString(std::pair(std::string("k"),
                                      std::pair(std::optional<int>(1), std::optional<int>()))),
            "(k,(Some(1),None))");
  EXPECT_EQ(ember::toString(1.0), "1.0");
  EXPECT_EQ(ember::toString(2.5), "2.5");
  EXPECT_EQ(ember::toString(-3.0), "-3.0");
  EXPECT_EQ(ember::toString(0.0f), "0.0");
  // Java's Double.toString / Float.toString, as Spark prints them.
  EXPECT_EQ(ember::toString(0.1f), "0.1");
  EXPECT_EQ(ember::toString(0.1), "0.1");
  EXPECT_EQ(ember::toString(1e7), "1.0E7");
  EXPECT_EQ(ember::toString(12345678.9), "1.23456789E7");
  EXPECT_EQ(ember::toString(9999999.0), "9999999.0");
  EXPECT_EQ(ember::toString(0.001), "0.001");
  EXPECT_EQ(ember::toString(1.5e-5), "1.5E-5");
  EXPECT_EQ(ember::toString(-2e-10), "-2.0E-10");
  EXPECT_EQ(ember::toString(std::nan("")), "NaN");
  EXPECT_EQ(ember::toString(-1.0 / 0.0), "-Infinity");
  EXPECT_EQ(ember::toString(true), "true");
  EXPECT_EQ(ember::toString(false), "false");
  EXPECT_EQ(ember::toString(42), "42");
  EXPECT_EQ(ember::toString(-7L), "-7");
  EXPECT_EQ(ember::toString(std::string("hi")), "hi");
  EXPECT_EQ(ember::toString('c'), "c");
  EXPECT_EQ(ember::toString(std::vector<int>{1, 2}), "[1, 2]");
  EXPECT_EQ(ember::toString(std::map<std::string, int>{{"a", 1}, {"b", 2}}), "{a: 1, b: 2}");
}

TEST(WordCount, EndToEnd) {
  ember::Engine engine("local[2]", "wordcount");
  auto counts = engine.parallelize(Strings{"a b a", "c a", "b", ""}, 2)
                    .flatMap([](const std::string& l) { return ember::split(l, ' '); })
                    .filter([](const std::string& w) { return !w.empty(); })
                    .map([](std::string w) {
                      return std::pair{std::move(w), 1};
                    })
                    .reduceByKey(std::plus<>{})
                    .sortByKey()
                    .collect();
  std::vector<std::pair<std::string, int>> expected{{"a", 3}, {"b", 2}, {"c", 1}};
  EXPECT_EQ(counts, expected);
  engine.stop();
}

}  // namespace
