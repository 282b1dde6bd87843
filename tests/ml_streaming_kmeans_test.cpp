// StreamingKMeans: StreamingKMeansSuite's cases on the suite's own generated data, the update
// rule worked out by hand, decay 0 and 1, half-lives in batches and points, dying clusters,
// seeded random centers, predictions and refused arguments.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

#include "ember/testing.hpp"
#include "ml_test_support.hpp"

namespace {

using ember::IllegalArgumentError;
using ember::IllegalStateError;
using ember::ml::StreamingKMeans;
using ember::ml::StreamingKMeansModel;
using ember::ml::Vector;
using ember::ml::Vectors;
using ember_test::kMeansData;
using ember_test::near;
using ::testing::HasSubstr;

/// Trains km on the batches, one per batch interval.
void train(StreamingKMeans& km, const std::vector<std::vector<Vector>>& batches) {
  ember::testing::runOperation(
      batches,
      [&](const ember::DStream<Vector>& s) {
        km.trainOn(s);
        return s.count();
      },
      batches.size());
}

TEST(MlStreamingKMeans, SingleCenterEqualsTheGrandAverage) {
  StreamingKMeans km;
  km.setK(1).setDecayFactor(1.0).setInitialCenters({Vectors::dense({0.0, 0.0, 0.0, 0.0, 0.0})},
                                                   {0.0});
  auto [input, centers] = kMeansData(50, 10, 1, 5, 0.1, 42);
  train(km, input);
  Vector estimate = km.latestModel().clusterCenters()[0];
  EXPECT_TRUE(near(centers[0], estimate, 1e-1)) << estimate << " vs " << centers[0];
  std::vector<double> mean(5, 0.0);
  for (const auto& batch : input) {
    for (const Vector& p : batch) {
      for (int i = 0; i < 5; ++i) mean[static_cast<std::size_t>(i)] += p(i) / 500.0;
    }
  }
  EXPECT_TRUE(near(Vectors::dense(mean), estimate, 1e-5)) << estimate;
  EXPECT_DOUBLE_EQ(km.latestModel().clusterWeights()[0], 500.0);
}

// The suite starts from two fixed centers. With the data its generator draws from seed 42 under
// today's XORShiftRandom seed hashing (8 bytes; the suite was written when 64 were hashed), both
// true centers lie nearer the second of those, so no point ever reaches the first and the case
// cannot hold, in Spark or here. The case starts instead from the first batch's first two points
// (one from each cluster), with the suite's weights, half-life and tolerance.
TEST(MlStreamingKMeans, TwoCentersWithHalfLifeInBatches) {
  auto [input, centers] = kMeansData(5, 10, 2, 5, 0.1, 42);
  StreamingKMeans km;
  km.setK(2).setHalfLife(2, "batches").setInitialCenters({input[0][0], input[0][1]}, {5.0, 5.0});
  train(km, input);
  auto model = km.latestModel().clusterCenters();
  bool straight = Vectors::sqdist(model[0], centers[0]) < Vectors::sqdist(model[0], centers[1]);
  const Vector& c0 = straight ? centers[0] : centers[1];
  const Vector& c1 = straight ? centers[1] : centers[0];
  EXPECT_TRUE(near(c0, model[0], 1e-1)) << model[0] << " vs " << c0;
  EXPECT_TRUE(near(c1, model[1], 1e-1)) << model[1] << " vs " << c1;
}

TEST(MlStreamingKMeans, DetectsDyingClusters) {
  StreamingKMeans km;
  km.setK(2)
      .setHalfLife(0.5, "points")
      .setInitialCenters({Vectors::dense({0.0}), Vectors::dense({1000.0})}, {1.0, 1.0});
  auto [input, unused] = kMeansData(5, 10, 1, 1, 1.0, 42, {Vectors::dense({0.0})});
  train(km, input);
  auto model = km.latestModel();
  double c0 = model.clusterCenters()[0](0);
  double c1 = model.clusterCenters()[1](0);
  EXPECT_LT(c0 * c1, 0.0) << "one positive and one negative center: " << c0 << ", " << c1;
  EXPECT_NEAR(std::abs(c0), 0.8, 0.6);  // 0.8: the mean of a half-normal distribution
  EXPECT_NEAR(std::abs(c1), 0.8, 0.6);
}

TEST(MlStreamingKMeans, SetDecayFactorSetsIt) {  // SPARK-7946
  StreamingKMeans km;
  EXPECT_EQ(km.decayFactor(), 1.0);
  km.setDecayFactor(2.0);
  EXPECT_EQ(km.decayFactor(), 2.0);
}

TEST(MlStreamingKMeans, DefaultsAndSetters) {
  StreamingKMeans km;
  EXPECT_EQ(km.k(), 2);
  EXPECT_EQ(km.timeUnit(), "batches");
  StreamingKMeans other(3, 0.5, "points");
  EXPECT_EQ(other.k(), 3);
  EXPECT_EQ(other.decayFactor(), 0.5);
  EXPECT_EQ(other.timeUnit(), "points");
  km.setHalfLife(4.0, "points");
  EXPECT_DOUBLE_EQ(std::pow(km.decayFactor(), 4.0), 0.5);
  EXPECT_EQ(km.timeUnit(), "points");
  StreamingKMeans copy = km;  // copies share settings and model, as Scala references do
  copy.setK(7);
  EXPECT_EQ(km.k(), 7);
}

TEST(MlStreamingKMeans, RefusesBadArguments) {
  StreamingKMeans km;
  EXPECT_THROW(km.setK(0), IllegalArgumentError);
  EXPECT_THROW(km.setDecayFactor(-0.1), IllegalArgumentError);
  EXPECT_THROW(km.setHalfLife(0.0, "batches"), IllegalArgumentError);
  try {
    km.setHalfLife(1.0, "seconds");
    FAIL();
  } catch (const IllegalArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Invalid time unit for decay: seconds"));
  }
  EXPECT_THROW(StreamingKMeans(2, 1.0, "minutes"), IllegalArgumentError);
  EXPECT_THROW(km.setInitialCenters({Vectors::dense({1.0})}, {1.0}), IllegalArgumentError);
  EXPECT_THROW(km.setInitialCenters({Vectors::dense({1.0}), Vectors::dense({2.0})}, {1.0}),
               IllegalArgumentError);
  EXPECT_THROW(km.setInitialCenters({Vectors::dense({1.0}), Vectors::dense({2.0, 3.0})}, {1, 1}),
               IllegalArgumentError);
  try {
    km.setInitialCenters({Vectors::dense({1.0}), Vectors::dense({2.0})}, {1.0, -1.0});
    FAIL();
  } catch (const IllegalArgumentError& e) {
    EXPECT_THAT(e.what(), HasSubstr("must be nonnegative but got [1.0 -1.0]"));
  }
  EXPECT_THROW(km.setRandomCenters(0, 1.0, 1), IllegalArgumentError);
  EXPECT_THROW(km.setRandomCenters(2, -1.0, 1), IllegalArgumentError);
}

TEST(MlStreamingKMeans, UninitializedCentersAreRefused) {
  StreamingKMeans km;
  EXPECT_THROW(km.latestModel(), IllegalStateError);
  ember::StreamingContext ssc(ember::testing::detail::testConf(), ember::Seconds(1));
  auto stream = ember::testing::detail::testInput<Vector>(ssc, {}, 1);
  try {
    km.trainOn(stream);
    FAIL();
  } catch (const IllegalStateError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Initial cluster centers must be set"));
  }
  EXPECT_THROW(km.predictOn(stream), IllegalStateError);
}

// The update rule on numbers small enough to do by hand (ML-05).
TEST(MlStreamingKMeans, UpdateRuleWorkedOutByHand) {
  ember::Engine engine("local[2]", "kmeans");
  StreamingKMeansModel model({Vectors::dense({0.0, 0.0}), Vectors::dense({10.0, 10.0})},
                             {2.0, 1.0});
  // Points 1 and 2 go to center 0 (sum (3,1), m = 2); point 3 to center 1 (m = 1).
  auto data =
      engine.parallelize(std::vector<Vector>{Vectors::dense({1.0, 0.0}), Vectors::dense({2.0, 1.0}),
                                             Vectors::dense({8.0, 12.0})},
                         2);
  // a = 0.5 per batch: weights 1.0 and 0.5, then + m: 3.0 and 1.5.
  // center 0: λ = 2/3, (1 - λ)(0,0) + λ (1.5, 0.5) = (1, 1/3)
  // center 1: λ = 1/1.5, (1/3)(10,10) + (2/3)(8,12) = (26/3, 34/3)
  auto next = model.update(data, 0.5, "batches");
  EXPECT_DOUBLE_EQ(next.clusterWeights()[0], 3.0);
  EXPECT_DOUBLE_EQ(next.clusterWeights()[1], 1.5);
  EXPECT_NEAR(next.clusterCenters()[0](0), 1.0, 1e-12);
  EXPECT_NEAR(next.clusterCenters()[0](1), 1.0 / 3, 1e-12);
  EXPECT_NEAR(next.clusterCenters()[1](0), 26.0 / 3, 1e-12);
  EXPECT_NEAR(next.clusterCenters()[1](1), 34.0 / 3, 1e-12);
  // "points": the discount is a^3 for the batch's 3 points: weights 0.25 and 0.125, then + m.
  auto by_points = model.update(data, 0.5, "points");
  EXPECT_DOUBLE_EQ(by_points.clusterWeights()[0], 2.25);
  EXPECT_DOUBLE_EQ(by_points.clusterWeights()[1], 1.125);
  EXPECT_NEAR(by_points.clusterCenters()[0](0), (2.0 / 2.25) * 1.5, 1e-12);
  // The model it was computed from is unchanged.
  EXPECT_EQ(model.clusterWeights(), (std::vector<double>{2.0, 1.0}));
  // An empty batch only discounts.
  auto empty = model.update(engine.parallelize(std::vector<Vector>{}, 2), 0.5, "batches");
  EXPECT_EQ(empty.clusterWeights(), (std::vector<double>{1.0, 0.5}));
  EXPECT_EQ(empty.clusterCenters()[1], Vectors::dense({10.0, 10.0}));
  EXPECT_THROW(model.update(data, 0.5, "hours"), IllegalArgumentError);
  engine.stop();
}

TEST(MlStreamingKMeans, DecayOneWeighsEveryBatchAndZeroOnlyTheLast) {
  std::vector<std::vector<Vector>> batches = {
      {Vectors::dense({1.0}), Vectors::dense({3.0})},                          // mean 2
      {Vectors::dense({8.0})},                                                 // mean 8
      {Vectors::dense({4.0}), Vectors::dense({5.0}), Vectors::dense({6.0})}};  // mean 5
  StreamingKMeans all(1, 1.0, "batches");
  all.setInitialCenters({Vectors::dense({0.0})}, {0.0});
  train(all, batches);
  EXPECT_NEAR(all.latestModel().clusterCenters()[0](0), 27.0 / 6, 1e-12);
  EXPECT_DOUBLE_EQ(all.latestModel().clusterWeights()[0], 6.0);

  StreamingKMeans last(1, 0.0, "batches");
  last.setInitialCenters({Vectors::dense({100.0})}, {50.0});
  train(last, batches);
  EXPECT_NEAR(last.latestModel().clusterCenters()[0](0), 5.0, 1e-12);
  EXPECT_DOUBLE_EQ(last.latestModel().clusterWeights()[0], 3.0);
}

TEST(MlStreamingKMeans, HalfLifeHalvesOldDataAfterThatManyBatchesOrPoints) {
  // Half-life 2 batches: after two more batches, the first batch's weight is 1/2 of a new one.
  StreamingKMeans batches(1, 1.0, "batches");
  batches.setHalfLife(2.0, "batches").setInitialCenters({Vectors::dense({0.0})}, {0.0});
  train(batches, {{Vectors::dense({1.0})}, {}, {}});
  // The first point: weight 1 after batch 1, discounted twice (two empty batches) = 0.5.
  EXPECT_NEAR(batches.latestModel().clusterWeights()[0], 0.5, 1e-12);

  // Half-life 4 points: a batch of 4 points halves what came before it.
  StreamingKMeans points(1, 1.0, "batches");
  points.setHalfLife(4.0, "points").setInitialCenters({Vectors::dense({0.0})}, {10.0});
  train(points, {{Vectors::dense({2.0}), Vectors::dense({2.0}), Vectors::dense({2.0}),
                  Vectors::dense({2.0})}});
  EXPECT_NEAR(points.latestModel().clusterWeights()[0], 5.0 + 4.0, 1e-12);
  EXPECT_NEAR(points.latestModel().clusterCenters()[0](0), 8.0 / 9.0, 1e-12);
}

TEST(MlStreamingKMeans, DyingClusterSplitsTheLargest) {
  ember::Engine engine("local[1]", "kmeans");
  StreamingKMeansModel model({Vectors::dense({0.0, 5.0}), Vectors::dense({100.0, 100.0})},
                             {1.0, 1e-3});
  auto data = engine.parallelize(std::vector<Vector>{Vectors::dense({0.0, 5.0})}, 1);
  // Decay 0: weights become (1, 0); 0 < 1e-8 * 1, so cluster 1 takes half of cluster 0.
  auto next = model.update(data, 0.0, "batches");
  EXPECT_EQ(next.clusterWeights(), (std::vector<double>{0.5, 0.5}));
  auto c = next.clusterCenters();
  EXPECT_EQ(c[0](0), 0.0 + 1e-14);
  EXPECT_EQ(c[1](0), 0.0 - 1e-14);
  EXPECT_EQ(c[0](1), 5.0 + 5e-14);
  EXPECT_EQ(c[1](1), 5.0 - 5e-14);
  engine.stop();
}

TEST(MlStreamingKMeans, RandomCentersAreSeeded) {
  StreamingKMeans a(3, 1.0, "batches");
  StreamingKMeans b(3, 1.0, "batches");
  StreamingKMeans c(3, 1.0, "batches");
  a.setRandomCenters(4, 2.5, 7);
  b.setRandomCenters(4, 2.5, 7);
  c.setRandomCenters(4, 2.5, 8);
  EXPECT_EQ(a.latestModel().clusterCenters(), b.latestModel().clusterCenters());
  EXPECT_NE(a.latestModel().clusterCenters(), c.latestModel().clusterCenters());
  EXPECT_EQ(a.latestModel().clusterWeights(), (std::vector<double>(3, 2.5)));
  EXPECT_EQ(a.latestModel().clusterCenters()[2].size(), 4);
  // The centers are XORShiftRandom(seed)'s Gaussians, in order.
  ember::ml::XORShiftRandom rng(7);
  EXPECT_EQ(a.latestModel().clusterCenters()[0](0), rng.nextGaussian());
  EXPECT_EQ(a.latestModel().clusterCenters()[0](1), rng.nextGaussian());
}

TEST(MlStreamingKMeans, PredictOnUsesTheModelTrainedOnTheSameBatch) {
  StreamingKMeans km(2, 0.0, "batches");
  km.setInitialCenters({Vectors::dense({0.0}), Vectors::dense({1.0})}, {1.0, 1.0});
  // Batch 1 moves center 1 to 10; batch 2 moves center 0 to -10 and center 1 to 20.
  std::vector<std::vector<Vector>> input = {{Vectors::dense({10.0}), Vectors::dense({-1.0})},
                                            {Vectors::dense({-10.0}), Vectors::dense({20.0})}};
  auto out = ember::testing::runOperation(
      input,
      [&](const ember::DStream<Vector>& s) {
        km.trainOn(s);
        return km.predictOn(s);
      },
      2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], (std::vector<int>{1, 0}));
  EXPECT_EQ(out[1], (std::vector<int>{0, 1}));
  EXPECT_NEAR(km.latestModel().clusterCenters()[0](0), -10.0, 1e-12);
}

TEST(MlStreamingKMeans, PredictOnValuesKeepsKeys) {
  StreamingKMeans km(2, 1.0, "batches");
  km.setInitialCenters({Vectors::dense({0.0, 0.0}), Vectors::dense({5.0, 5.0})}, {1.0, 1.0});
  std::vector<std::vector<std::pair<std::string, Vector>>> input = {
      {{"a", Vectors::dense({4.0, 6.0})}, {"b", Vectors::sparse(2, {1}, {1.0})}},
      {{"c", Vectors::dense({0.1, 0.0})}}};
  auto out = ember::testing::runOperation(
      input, [&](const auto& s) { return km.predictOnValues(s); }, 2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], (std::vector<std::pair<std::string, int>>{{"a", 1}, {"b", 0}}));
  EXPECT_EQ(out[1], (std::vector<std::pair<std::string, int>>{{"c", 0}}));
  // On a stream made by map, too.
  auto mapped = ember::testing::runOperation(
      std::vector<std::vector<Vector>>{{Vectors::dense({6.0, 6.0})}},
      [&](const ember::DStream<Vector>& s) {
        ember::DStream<std::pair<int, Vector>> keyed = s.map([](Vector v) {
          return std::pair{1, std::move(v)};
        });
        return km.predictOnValues(keyed);
      },
      1);
  EXPECT_EQ(mapped[0], (std::vector<std::pair<int, int>>{{1, 1}}));
}

TEST(MlStreamingKMeans, PointsOfAnotherDimensionFailTheBatch) {
  StreamingKMeans km(1, 1.0, "batches");
  km.setInitialCenters({Vectors::dense({0.0, 0.0})}, {0.0});
  try {
    train(km, {{Vectors::dense({1.0, 2.0, 3.0})}});
    FAIL() << "a point of dimension 3 was accepted";
  } catch (const ember::Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("dimension 3"));
    EXPECT_THAT(e.what(), HasSubstr("dimension 2"));
  }
  StreamingKMeansModel model({Vectors::dense({0.0})}, {1.0});
  EXPECT_THROW(model.predict(Vectors::dense({1.0, 1.0})), IllegalArgumentError);
}

TEST(MlStreamingKMeans, SparsePointsGiveTheDenseAnswers) {
  ember::Engine engine("local[2]", "kmeans");
  StreamingKMeansModel model({Vectors::dense({0.0, 0.0, 1.0}), Vectors::dense({3.0, 0.0, 0.0})},
                             {1.0, 1.0});
  std::vector<Vector> dense = {Vectors::dense({2.0, 0.0, 0.0}), Vectors::dense({0.0, 0.5, 2.0}),
                               Vectors::dense({4.0, 1.0, 0.0})};
  std::vector<Vector> sparse;
  for (const Vector& v : dense) sparse.push_back(v.toSparse());
  auto a = model.update(engine.parallelize(dense, 2), 0.7, "points");
  auto b = model.update(engine.parallelize(sparse, 2), 0.7, "points");
  EXPECT_EQ(a.clusterWeights(), b.clusterWeights());
  for (int j = 0; j < 2; ++j) {
    EXPECT_TRUE(near(a.clusterCenters()[static_cast<std::size_t>(j)],
                     b.clusterCenters()[static_cast<std::size_t>(j)], 1e-12));
  }
  EXPECT_DOUBLE_EQ(model.computeCost(engine.parallelize(dense, 2)), 1.0 + 1.25 + 2.0);
  EXPECT_EQ(model.predict(engine.parallelize(sparse, 3)).collect(), (std::vector<int>{1, 0, 1}));
  engine.stop();
}

// ML-01's second mode: a model trained elsewhere, applied to a stream by map.
TEST(MlStreamingKMeans, AnOfflineModelAppliesThroughMap) {
  StreamingKMeansModel model({Vectors::dense({0.0}), Vectors::dense({10.0})}, {1.0, 1.0});
  auto out = ember::testing::runOperation(
      std::vector<std::vector<Vector>>{{Vectors::dense({1.0}), Vectors::dense({7.0})}},
      [model](const ember::DStream<Vector>& s) {
        return s.map([model](const Vector& v) { return model.predict(v); });
      },
      1);
  EXPECT_EQ(out[0], (std::vector<int>{0, 1}));
}

// latestModel() read from another thread while batches train: every model seen is whole (the
// weights of decay 1 add up to the points of a whole number of batches of 10).
TEST(MlStreamingKMeans, LatestModelIsReadableWhileTraining) {
  StreamingKMeans km(2, 1.0, "batches");
  km.setInitialCenters({Vectors::dense({0.0}), Vectors::dense({100.0})}, {0.0, 0.0});
  std::vector<std::vector<Vector>> input;
  for (int b = 0; b < 20; ++b) {
    std::vector<Vector> batch;
    for (int i = 0; i < 10; ++i) batch.push_back(Vectors::dense({i % 2 ? 100.0 + i : -i * 1.0}));
    input.push_back(std::move(batch));
  }
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  std::atomic<long> reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      auto weights = km.latestModel().clusterWeights();
      double total = weights[0] + weights[1];
      if (std::fmod(total, 10.0) != 0.0) ++torn;
      ++reads;
    }
  });
  train(km, input);
  done = true;
  reader.join();
  EXPECT_EQ(torn.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(km.latestModel().clusterWeights(), (std::vector<double>{100.0, 100.0}));
}

}  // namespace
