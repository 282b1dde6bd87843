#pragma once

// ZeroMQ sources (ember::zeromq: link it, with libzmq installed).
#include "ember/io/zeromq/zeromq_receiver.hpp"
#include "ember/io/zeromq/zeromq_session.hpp"
#include "ember/io/zeromq/zeromq_utils.hpp"
