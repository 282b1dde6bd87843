// Per-user sessions with mapWithState: lines "user action" arrive on a socket; each user's
// session counts its events, ends when the user logs out, and times out when the user stays
// idle for longer than the timeout. Every event prints what it did to the session, and every
// session that ends prints how it ended.
//
//   map_with_state_sessions [HOST PORT] [--timeout T] [--seconds N]
//
// With HOST PORT it reads that server (e.g. `nc -lk 9999`, then type "alice login"); without,
// an embedded server on 127.0.0.1 sends a sample every 6 seconds: alice logs in, clicks and logs
// out; bob logs in, clicks and goes idle (his session times out); carol clicks every half
// second (hers never does). T is the timeout in seconds (2 by default). Without --seconds it
// runs until killed; with it, it stops gracefully after N seconds and exits 0. Bad arguments
// print the usage and exit 2.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ember/ember.hpp"
#include "example_args.hpp"
#include "line_server.hpp"

namespace {

constexpr const char* kUsage =
    "usage: map_with_state_sessions [HOST PORT] [--timeout T] [--seconds N]\n"
    "  HOST PORT    the server to read \"user action\" lines from (e.g. `nc -lk 9999`)\n"
    "               without them, an embedded server sends sample sessions\n"
    "  --timeout T  end a session after T idle seconds (default 2)\n"
    "  --seconds N  stop after N seconds (default: run until killed)\n";

/// What the embedded server sends, one line every 100 ms, over and over (a 6-second cycle).
/// Empty lines stand for quiet moments. Bob's 5.8 idle seconds outlast a 2-second timeout
/// whatever batches his events fall in (the key must see no data in the batches after it
/// crossed the timeout); carol's gaps of at most one second never do.
std::vector<std::string> sampleLines() {
  std::vector<std::string> lines(60);
  lines[0] = "alice login";
  lines[1] = "bob login";
  lines[2] = "alice click";
  lines[3] = "bob click";
  lines[4] = "alice logout";
  for (std::size_t i = 5; i < lines.size(); i += 5) lines[i] = "carol click";
  return lines;
}

std::string events(std::int64_t n) {
  return std::to_string(n) + (n == 1 ? " event" : " events");
}

/// The session of `user`, in its event count: called for every event of the user, and once
/// more when the user was idle for the timeout. Returns what happened.
std::string trackSession(const std::string& user, const std::optional<std::string>& action,
                         ember::State<std::int64_t>& session) {
  if (session.isTimingOut()) return user + ": session timed out after " + events(session.get());
  std::int64_t n = session.getOption().value_or(0) + 1;
  if (*action == "logout") {
    session.remove();
    return user + ": session ended by logout after " + events(n);
  }
  session.update(n);
  if (n == 1) return user + ": session started (" + *action + ")";
  return user + ": " + events(n) + " (" + *action + ")";
}

int usage(const std::string& error) {
  return ember::examples::printUsage("map_with_state_sessions", kUsage, error);
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto args = ember::examples::parseArgs(argc, argv, error, {"timeout"});
  if (!args) return usage(error);
  if (args->help) return ember::examples::printHelp(kUsage);
  auto source = ember::examples::openLineSource(args->positional, sampleLines(),
                                                "map_with_state_sessions", error);
  if (!source) return usage(error);

  ember::StreamingContext ssc("local[2]", "MapWithStateSessions", ember::Seconds(1));
  try {
    auto lines = ssc.socketTextStream(source->host, source->port);
    // The user is the first word; the action is the rest of the line (empty when there is none).
    auto userEvents =
        lines.filter([](const std::string& line) { return !line.empty() && line[0] != ' '; })
            .map([](const std::string& line) {
              auto space = line.find(' ');
              if (space == std::string::npos) return std::pair{line, std::string()};
              return std::pair{line.substr(0, space), line.substr(space + 1)};
            });
    auto spec = ember::StateSpec<>::function(trackSession)
                    .timeout(ember::Seconds(args->number("timeout", 2)));
    auto sessions = userEvents.mapWithState(spec);
    sessions.pprint();
  } catch (const ember::IllegalArgumentError& e) {
    return usage(e.what());
  }
  return ember::examples::runContext(ssc, *args);
}
