// Vectors and labeled points: Spark's text forms both ways, the parser's errors, sparse
// validation, the vector functions, and the random generators the models and data use.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "ember/core/serialization.hpp"
#include "ember/core/show.hpp"
#include "ember/ml.hpp"

namespace {

using ember::IllegalArgumentError;
using ember::ml::LabeledPoint;
using ember::ml::Vector;
using ember::ml::Vectors;
using ::testing::HasSubstr;

std::string errorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const IllegalArgumentError& e) {
    return e.what();
  }
  return "no error";
}

TEST(MlVector, DenseParsesAndPrintsAsSpark) {
  Vector v = Vectors::parse("[1.0,2.0,-3.5]");
  EXPECT_FALSE(v.isSparse());
  EXPECT_EQ(v.size(), 3);
  EXPECT_EQ(v.toArray(), (std::vector<double>{1.0, 2.0, -3.5}));
  EXPECT_EQ(v.toString(), "[1.0,2.0,-3.5]");
  EXPECT_EQ(Vectors::dense({0.001, 1e7, 1.5e-5, 100.0}).toString(), "[0.001,1.0E7,1.5E-5,100.0]");
  EXPECT_EQ(Vectors::parse("[]").size(), 0);
  EXPECT_EQ(Vectors::parse("[]").toString(), "[]");
}

TEST(MlVector, SparseParsesAndPrintsAsSpark) {
  Vector v = Vectors::parse("(3,[0,2],[1.0,4.0])");
  EXPECT_TRUE(v.isSparse());
  EXPECT_EQ(v.size(), 3);
  EXPECT_EQ(v.indices(), (std::vector<int>{0, 2}));
  EXPECT_EQ(v.toArray(), (std::vector<double>{1.0, 0.0, 4.0}));
  EXPECT_EQ(v(1), 0.0);
  EXPECT_EQ(v(2), 4.0);
  EXPECT_EQ(v.toString(), "(3,[0,2],[1.0,4.0])");
  EXPECT_EQ(Vectors::parse("(4,[],[])").toString(), "(4,[],[])");
}

TEST(MlVector, ParsesWhatJavaParsesWithSpaces) {
  EXPECT_EQ(Vectors::parse(" [ 1 , 2.5e1 ,-0.5]"), Vectors::dense({1.0, 25.0, -0.5}));
  EXPECT_EQ(Vectors::parse("( 2 , [1] , [3.0] )"), Vectors::sparse(2, {1}, {3.0}));
  Vector special = Vectors::parse("[NaN,Infinity,-Infinity,1d,2F]");
  EXPECT_TRUE(std::isnan(special(0)));
  EXPECT_EQ(special(1), std::numeric_limits<double>::infinity());
  EXPECT_EQ(special(2), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(special(3), 1.0);
  EXPECT_EQ(special(4), 2.0);
}

TEST(MlVector, ParseRoundTripsToString) {
  for (const char* text : {"[0.1,0.2,0.30000000000000004]", "(5,[1,4],[-2.0,1.0E-10])",
                           "[1.7976931348623157E308,2.2250738585072014E-308]"}) {
    EXPECT_EQ(Vectors::parse(text).toString(), text);
  }
}

TEST(MlVector, ParseErrorsNameTheProblemAndTheInput) {
  EXPECT_THAT(errorOf([] { Vectors::parse("[1.0,abc]"); }),
              HasSubstr("Cannot parse a double from: abc"));
  EXPECT_THAT(errorOf([] { Vectors::parse("[1.0,abc]"); }), HasSubstr("[1.0,abc]"));
  EXPECT_THAT(errorOf([] { Vectors::parse("[1.0,2.0"); }), HasSubstr("must end with ']'"));
  EXPECT_THAT(errorOf([] { Vectors::parse("(3,[0],[1.0]"); }), HasSubstr("must end with ')'"));
  EXPECT_THAT(errorOf([] { Vectors::parse("[1.0,,2.0]"); }), HasSubstr("wrong position"));
  EXPECT_THAT(errorOf([] { Vectors::parse(""); }), HasSubstr("Cannot find any token"));
  EXPECT_THAT(errorOf([] { Vectors::parse("1.0"); }),
              HasSubstr("Cannot parse a vector from a number"));
  EXPECT_THAT(errorOf([] { Vectors::parse("(3,[0])"); }), HasSubstr("expected [v1,v2,...]"));
  EXPECT_THAT(errorOf([] { Vectors::parse("[1.0]junk"); }), HasSubstr("Unexpected text"));
  EXPECT_THAT(errorOf([] { Vectors::parse("[inf]"); }), HasSubstr("Cannot parse a double"));
  EXPECT_THAT(errorOf([] { Vectors::parse("(3,[0,5],[1.0,2.0])"); }),
              HasSubstr("Index 5 out of bounds for vector of size 3"));
  EXPECT_NO_THROW(Vectors::parse("[1.0]  \r"));
}

TEST(MlVector, SparseArgumentsAreChecked) {
  EXPECT_THAT(errorOf([] {
                Vectors::sparse(3, {0, 1}, {1.0});
              }),
              HasSubstr("You provided 2 indices and 1 values"));
  EXPECT_THAT(errorOf([] { Vectors::sparse(3, {-1}, {1.0}); }), HasSubstr("negative index: -1"));
  EXPECT_THAT(errorOf([] {
                Vectors::sparse(3, {2, 1}, {1.0, 2.0});
              }),
              HasSubstr("Indices 2 and 1 are not strictly increasing"));
  EXPECT_THAT(errorOf([] { Vectors::sparse(-1, {}, {}); }), HasSubstr("nonnegative"));
  EXPECT_THAT(errorOf([] { Vectors::dense({1.0})(1); }), HasSubstr("out of range"));
}

TEST(MlVector, EqualityComparesValuesWhateverTheForm) {
  EXPECT_EQ(Vectors::dense({1.0, 0.0, 3.0}), Vectors::sparse(3, {0, 2}, {1.0, 3.0}));
  EXPECT_EQ(Vectors::sparse(2, {0}, {0.0}), Vectors::sparse(2, {}, {}));
  EXPECT_NE(Vectors::dense({1.0, 0.0}), Vectors::dense({1.0, 0.0, 0.0}));
  EXPECT_NE(Vectors::dense({1.0, 2.0}), Vectors::dense({1.0, 2.5}));
  EXPECT_EQ(Vectors::sparse(3, {1}, {0.0}), Vectors::dense({0.0, 0.0, 0.0}));
  EXPECT_NE(Vectors::sparse(3, {1}, {2.0}), Vectors::sparse(3, {2}, {2.0}));
  EXPECT_NE(Vectors::sparse(3, {2}, {2.0}), Vectors::dense({0.0, 0.0, 2.5}));
  EXPECT_NE(Vectors::dense({0.0, 0.0, 1.0}), Vectors::sparse(3, {}, {}));
  EXPECT_EQ(Vectors::dense({0.0, 2.0, 0.0}).toSparse().toString(), "(3,[1],[2.0])");
  EXPECT_EQ(Vectors::sparse(3, {1}, {2.0}).toDense().toString(), "[0.0,2.0,0.0]");
}

TEST(MlVector, DotDistanceAndNorms) {
  Vector a = Vectors::dense({1.0, 2.0, 3.0});
  Vector b = Vectors::sparse(3, {0, 2}, {4.0, -1.0});
  EXPECT_DOUBLE_EQ(Vectors::dot(a, a), 14.0);
  EXPECT_DOUBLE_EQ(Vectors::dot(a, b), 1.0);
  EXPECT_DOUBLE_EQ(Vectors::dot(b, a), 1.0);
  EXPECT_DOUBLE_EQ(Vectors::dot(b, b), 17.0);
  EXPECT_DOUBLE_EQ(Vectors::sqdist(a, b), 9.0 + 4.0 + 16.0);
  EXPECT_DOUBLE_EQ(Vectors::norm(a, 1.0), 6.0);
  EXPECT_DOUBLE_EQ(Vectors::norm(a, 2.0), std::sqrt(14.0));
  EXPECT_DOUBLE_EQ(Vectors::norm(b, std::numeric_limits<double>::infinity()), 4.0);
  EXPECT_THAT(errorOf([&] { Vectors::dot(a, Vectors::dense({1.0})); }),
              HasSubstr("same size, but got sizes 3 and 1"));
  EXPECT_THAT(errorOf([&] { Vectors::norm(a, 0.5); }), HasSubstr("p>=1"));
}

TEST(MlVector, SerializesAndPrintsInStreams) {
  Vector v = Vectors::sparse(4, {1, 3}, {2.0, -1.0});
  EXPECT_EQ(ember::deserializeFromString<Vector>(ember::serializeToString(v)).toString(),
            v.toString());
  std::ostringstream os;
  os << v;
  EXPECT_EQ(os.str(), "(4,[1,3],[2.0,-1.0])");
  EXPECT_EQ(ember::toString(std::pair{7, Vectors::dense({1.0})}), "(7,[1.0])");
}

TEST(MlLabeledPoint, ParsesAndPrintsAsSpark) {
  LabeledPoint p = LabeledPoint::parse("(1.0,[2.0,3.0])");
  EXPECT_EQ(p.label, 1.0);
  EXPECT_EQ(p.features, Vectors::dense({2.0, 3.0}));
  EXPECT_EQ(p.toString(), "(1.0,[2.0,3.0])");
  LabeledPoint s = LabeledPoint::parse("(0.0,(3,[1],[5.0]))");
  EXPECT_TRUE(s.features.isSparse());
  EXPECT_EQ(s.toString(), "(0.0,(3,[1],[5.0]))");
  // The form MLlib wrote before 1.0.
  LabeledPoint legacy = LabeledPoint::parse("1.5,2.0 -3.0 4");
  EXPECT_EQ(legacy.label, 1.5);
  EXPECT_EQ(legacy.features, Vectors::dense({2.0, -3.0, 4.0}));
  EXPECT_EQ(ember::deserializeFromString<LabeledPoint>(ember::serializeToString(p)), p);
}

TEST(MlLabeledPoint, ErrorsNameTheProblem) {
  EXPECT_THAT(errorOf([] { LabeledPoint::parse("(1.0,[2.0,x])"); }),
              HasSubstr("Cannot parse a double from: x"));
  EXPECT_THAT(errorOf([] { LabeledPoint::parse("([1.0],[2.0])"); }),
              HasSubstr("Cannot parse a labeled point from a tuple of (an array of 1 numbers"));
  EXPECT_THAT(errorOf([] { LabeledPoint::parse("(1.0,[2.0]"); }), HasSubstr("must end with ')'"));
  EXPECT_THAT(errorOf([] { LabeledPoint::parse("nonsense"); }),
              HasSubstr("expected (label,vector)"));
  EXPECT_THAT(errorOf([] { LabeledPoint::parse("1.0,2.0 y"); }),
              HasSubstr("Cannot parse a double from: y"));
  EXPECT_THAT(errorOf([] { LabeledPoint::parse("(1.0,(2,[3],[1.0]))"); }),
              HasSubstr("Index 3 out of bounds"));
}

// Values printed by a JVM: new java.util.Random(42) / (-7).
TEST(MlRandom, JavaRandomDrawsWhatJavaDraws) {
  ember::ml::JavaRandom r(42);
  EXPECT_EQ(r.nextDouble(), 0.7275636800328681);
  EXPECT_EQ(r.nextGaussian(), 1.102744497787456);
  EXPECT_EQ(r.nextGaussian(), -1.151236608168695);
  EXPECT_EQ(r.nextLong(), 5111195811822994797LL);
  EXPECT_EQ(r.nextInt(), -1436456258);
  ember::ml::JavaRandom s(-7);
  EXPECT_EQ(s.nextGaussian(), -1.1860262593274535);
  EXPECT_EQ(s.nextGaussian(), 0.8896355203316739);
  EXPECT_EQ(s.nextGaussian(), 0.07207057524014324);
}

TEST(MlRandom, XorShiftIsSeededAndSpreadsItsSeed) {
  ember::ml::XORShiftRandom a(42);
  ember::ml::XORShiftRandom b(42);
  ember::ml::XORShiftRandom c(43);
  double x = a.nextGaussian();
  EXPECT_EQ(x, b.nextGaussian());
  EXPECT_NE(x, c.nextGaussian());
  // Neighbouring seeds hash far apart (Spark's reason for hashSeed).
  EXPECT_NE(ember::ml::XORShiftRandom::hashSeed(0), 0);
  EXPECT_NE(ember::ml::XORShiftRandom::hashSeed(1) ^ ember::ml::XORShiftRandom::hashSeed(2), 3);
  // Uniform in [0, 1): the mean of many draws is near 1/2.
  double sum = 0.0;
  for (int i = 0; i < 10000; ++i) {
    double u = a.nextDouble();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

}  // namespace
