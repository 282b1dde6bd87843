#pragma once

// Sources and sinks.
#include "ember/io/file_readers.hpp"
#include "ember/io/file_stream.hpp"
#include "ember/io/queue_stream.hpp"
#include "ember/io/raw_socket_stream.hpp"
#include "ember/io/receiver_stream.hpp"
#include "ember/io/socket_stream.hpp"
