#pragma once

// Everything a program needs: the batch engine, streams, sources and sinks.
#include "ember/core.hpp"
#include "ember/io.hpp"
#include "ember/streaming.hpp"
