#pragma once

// MQTT sources (ember::mqtt: link it, with libmosquitto installed).
#include "ember/io/mqtt/mqtt_options.hpp"
#include "ember/io/mqtt/mqtt_receiver.hpp"
#include "ember/io/mqtt/mqtt_session.hpp"
#include "ember/io/mqtt/mqtt_utils.hpp"
