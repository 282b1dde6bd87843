#pragma once

// ember's streaming machine learning (ember::ml, library ember::ml): vectors and labeled points
// in Spark's text forms, streaming k-means, and linear and logistic regression trained by SGD.

#include "ember/ml/gradient_descent.hpp"
#include "ember/ml/labeled_point.hpp"
#include "ember/ml/linear_models.hpp"
#include "ember/ml/random.hpp"
#include "ember/ml/streaming_kmeans.hpp"
#include "ember/ml/streaming_kmeans_model.hpp"
#include "ember/ml/streaming_linear_algorithm.hpp"
#include "ember/ml/streaming_linear_regression_with_sgd.hpp"
#include "ember/ml/streaming_logistic_regression_with_sgd.hpp"
#include "ember/ml/vector.hpp"
