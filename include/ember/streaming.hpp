#pragma once

// The streaming layer: contexts, streams and their operations.
#include "ember/streaming/clock.hpp"
#include "ember/streaming/dstream.hpp"
#include "ember/streaming/duration.hpp"
#include "ember/streaming/listener.hpp"
#include "ember/streaming/ops/count.hpp"
#include "ember/streaming/ops/join.hpp"
#include "ember/streaming/ops/map.hpp"
#include "ember/streaming/ops/output.hpp"
#include "ember/streaming/ops/pair.hpp"
#include "ember/streaming/ops/reduced_window.hpp"
#include "ember/streaming/ops/transform.hpp"
#include "ember/streaming/ops/union.hpp"
#include "ember/streaming/ops/window.hpp"
#include "ember/streaming/receiver.hpp"
#include "ember/streaming/streaming_context.hpp"
