// The web UI over real loopback HTTP: every JSON endpoint's content after three batches on the
// manual clock, 404 and 400 answers, /metrics against the listener's figures, the pages with
// every application string escaped, port selection, and the UI's life with the context.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "temp_dir.hpp"
#include "ui_test_support.hpp"

namespace {

using ember_ui_test::kHostileError;
using ember_ui_test::kHostileName;
using ember_ui_test::UiProgram;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

json getJson(httplib::Client& c, const std::string& path, int status = 200) {
  auto res = c.Get(path.c_str());
  if (!res) throw std::runtime_error("no answer for " + path);
  EXPECT_EQ(res->status, status) << path << ": " << res->body;
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("application/json")) << path;
  return json::parse(res->body);
}

class UiServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    program_ = new UiProgram();
    program_->runThreeBatches();
  }
  static void TearDownTestSuite() {
    delete program_;
    program_ = nullptr;
  }
  static UiProgram* program_;
};
UiProgram* UiServer::program_ = nullptr;

TEST_F(UiServer, ApplicationsListsTheOneApplication) {
  auto c = program_->client();
  json apps = getJson(c, "/api/v1/applications");
  ASSERT_EQ(apps.size(), 1u);
  EXPECT_EQ(apps[0]["id"], "local-0");
  EXPECT_EQ(apps[0]["name"], kHostileName);
  EXPECT_EQ(apps[0]["attempts"][0]["completed"], false);
}

TEST_F(UiServer, StatisticsHaveSparksFieldsAndFigures) {
  auto c = program_->client();
  json s = getJson(c, program_->api() + "statistics");
  EXPECT_EQ(s["startTime"], "1970-01-01T00:00:00.000GMT");
  EXPECT_EQ(s["batchDuration"], 1000);
  EXPECT_EQ(s["numReceivers"], 1);
  EXPECT_EQ(s["numActiveReceivers"], 1);
  EXPECT_EQ(s["numInactiveReceivers"], 0);
  EXPECT_EQ(s["numTotalCompletedBatches"], 3);
  EXPECT_EQ(s["numRetainedCompletedBatches"], 3);
  EXPECT_EQ(s["numActiveBatches"], 0);
  EXPECT_EQ(s["numProcessedRecords"], 3);
  EXPECT_EQ(s["numReceivedRecords"], 3);
  EXPECT_DOUBLE_EQ(s["avgInputRate"].get<double>(), 1.0);  // (2 + 1 + 0) / 3 batches of 1 s
  // The manual clock does not move while a batch runs.
  EXPECT_EQ(s["avgSchedulingDelay"], 0);
  EXPECT_EQ(s["avgProcessingTime"], 0);
  EXPECT_EQ(s["avgTotalDelay"], 0);
}

TEST_F(UiServer, ReceiversShowTheLastError) {
  auto c = program_->client();
  json list = getJson(c, program_->api() + "receivers");
  ASSERT_EQ(list.size(), 1u);
  json r = list[0];
  EXPECT_EQ(r["streamId"], 0);
  EXPECT_EQ(r["streamName"], "PushReceiver [0]");
  EXPECT_EQ(r["isActive"], true);
  EXPECT_EQ(r["executorHost"], "local");
  EXPECT_EQ(r["lastErrorMessage"], "cannot reach <host> \"x\"");
  EXPECT_THAT(r["lastError"].get<std::string>(), HasSubstr("refused & reset"));
  EXPECT_EQ(r["lastErrorTime"], "1970-01-01T00:00:02.000GMT");
  EXPECT_DOUBLE_EQ(r["avgEventRate"].get<double>(), 1.0);
  EXPECT_EQ(r["eventRates"], json::parse("[[1000, 2.0], [2000, 1.0], [3000, 0.0]]"));
  EXPECT_EQ(getJson(c, program_->api() + "receivers/0"), r);
}

TEST_F(UiServer, BatchesNewestFirstWithStatusFilter) {
  auto c = program_->client();
  json all = getJson(c, program_->api() + "batches");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["batchId"], 3000);
  EXPECT_EQ(all[2]["batchId"], 1000);
  json b = all[1];
  EXPECT_EQ(b["batchTime"], "1970-01-01T00:00:02.000GMT");
  EXPECT_EQ(b["status"], "COMPLETED");
  EXPECT_EQ(b["batchDuration"], 1000);
  EXPECT_EQ(b["inputSize"], 1);
  EXPECT_EQ(b["schedulingDelay"], 0);
  EXPECT_EQ(b["processingTime"], 0);
  EXPECT_EQ(b["totalDelay"], 0);
  EXPECT_EQ(b["numActiveOutputOps"], 0);
  EXPECT_EQ(b["numCompletedOutputOps"], 1);
  EXPECT_EQ(b["numFailedOutputOps"], 1);
  EXPECT_EQ(b["numTotalOutputOps"], 2);
  EXPECT_THAT(b["firstFailureReason"].get<std::string>(), HasSubstr(kHostileError));
  EXPECT_FALSE(all[0].contains("firstFailureReason"));  // None is left out, as Spark's
  EXPECT_EQ(getJson(c, program_->api() + "batches?status=COMPLETED").size(), 3u);
  EXPECT_EQ(getJson(c, program_->api() + "batches?status=queued&status=processing").size(), 0u);
  EXPECT_EQ(getJson(c, program_->api() + "batches/2000"), b);
}

TEST_F(UiServer, OutputOperationsOfABatch) {
  auto c = program_->client();
  json ops = getJson(c, program_->api() + "batches/2000/operations");
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0]["outputOpId"], 0);
  EXPECT_EQ(ops[0]["name"], "foreachRDD");
  EXPECT_EQ(ops[0]["startTime"], "1970-01-01T00:00:02.000GMT");
  EXPECT_EQ(ops[0]["endTime"], "1970-01-01T00:00:02.000GMT");
  EXPECT_EQ(ops[0]["duration"], 0);
  EXPECT_FALSE(ops[0].contains("failureReason"));
  EXPECT_EQ(ops[0]["jobIds"], json::array());
  EXPECT_THAT(ops[1]["failureReason"].get<std::string>(), HasSubstr(kHostileError));
  EXPECT_EQ(getJson(c, program_->api() + "batches/2000/operations/1"), ops[1]);
}

TEST_F(UiServer, UnknownIdsAre404WithAJsonError) {
  auto c = program_->client();
  EXPECT_EQ(getJson(c, "/api/v1/applications/app-42/streaming/statistics", 404)["error"],
            "no such app: app-42");
  EXPECT_EQ(getJson(c, program_->api() + "batches/4000", 404)["error"], "unknown batch: 4000");
  EXPECT_EQ(getJson(c, program_->api() + "batches/abc", 404)["error"], "unknown batch: abc");
  EXPECT_EQ(getJson(c, program_->api() + "batches/99999999999999999999999", 404)["status"], 404);
  EXPECT_EQ(getJson(c, program_->api() + "batches/1000/operations/7", 404)["error"],
            "unknown output operation: 7");
  EXPECT_EQ(getJson(c, program_->api() + "receivers/3", 404)["error"], "unknown receiver: 3");
  EXPECT_EQ(getJson(c, program_->api() + "nothing", 404)["status"], 404);
  EXPECT_EQ(getJson(c, "/no/such/page", 404)["status"], 404);
}

TEST_F(UiServer, MalformedQueryParametersAre400) {
  auto c = program_->client();
  json e = getJson(c, program_->api() + "batches?status=DONE", 400);
  EXPECT_THAT(e["error"].get<std::string>(), HasSubstr("COMPLETED, QUEUED, PROCESSING"));
  auto res = c.Get("/streaming/batch?id=12x");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  res = c.Get("/streaming/batch");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_THAT(res->body, HasSubstr("Missing id parameter"));
  res = c.Get("/streaming/batch?id=5000");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(UiServer, NoEndpointChangesTheApplication) {
  auto c = program_->client();
  auto res = c.Post((program_->api() + "batches").c_str(), "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  res = c.Delete("/streaming/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(program_->ssc->getState(), ember::StreamingContextState::ACTIVE);
}

TEST_F(UiServer, StreamingPageShowsSummaryTablesAndEscapesEverything) {
  auto c = program_->client();
  auto res = c.Get("/streaming/");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const std::string& html = res->body;
  EXPECT_THAT(html, HasSubstr("Running batches of <strong>1 second</strong> for <strong>3 "
                              "seconds</strong> since <strong>"));
  EXPECT_THAT(html, HasSubstr("(<strong>3</strong> completed batches, <strong>3</strong> "
                              "records)"));
  EXPECT_THAT(html, HasSubstr("Timelines (Last 3 batches, 0 active, 3 completed)"));
  for (const char* row : {"Input Rate", "Scheduling Delay", "Processing Time", "Total Delay"}) {
    EXPECT_THAT(html, HasSubstr(std::string("<strong>") + row + "</strong>"));
  }
  EXPECT_THAT(html, HasSubstr("Receivers: 1 / 1 active"));
  EXPECT_THAT(html, HasSubstr("Avg: 1.00 events/sec"));
  EXPECT_THAT(html, HasSubstr("batch interval"));
  EXPECT_THAT(html, HasSubstr("Completed Batches (last 3 out of 3)"));
  EXPECT_THAT(html, HasSubstr("href=\"batch?id=2000\""));
  EXPECT_THAT(html, HasSubstr("1/2 (1 failed)"));
  EXPECT_THAT(html, HasSubstr("http-equiv=\"refresh\""));
  EXPECT_THAT(html, HasSubstr("name=\"viewport\""));
  EXPECT_EQ(std::count(html.begin(), html.end(), '\0'), 0);
  // Application strings: name, receiver error, output op failure.
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("<host>")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(&quot;app&quot;)&lt;/script&gt;&#39;"));
  EXPECT_THAT(html, HasSubstr("cannot reach &lt;host&gt; &quot;x&quot;"));
  EXPECT_THAT(html, HasSubstr("&lt;img src=x onerror=&quot;alert(&#39;op&#39;)&quot;&gt;"));
  EXPECT_THAT(html, Not(HasSubstr("src=\"http")));  // nothing loaded from elsewhere
}

TEST_F(UiServer, BatchPageListsOperationsAndEscapes) {
  auto c = program_->client();
  auto res = c.Get("/streaming/batch?id=2000");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const std::string& html = res->body;
  EXPECT_THAT(html, HasSubstr("Details of batch at "));
  EXPECT_THAT(html, HasSubstr("1 records"));
  EXPECT_THAT(html, HasSubstr("<td>Succeeded</td>"));
  EXPECT_THAT(html, HasSubstr("<td>Failed</td>"));
  EXPECT_THAT(html, HasSubstr("PushReceiver [0]"));
  EXPECT_THAT(html, Not(HasSubstr("<img")));
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
}

std::map<std::string, double> parseMetrics(const std::string& text) {
  std::map<std::string, double> values;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    values[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return values;
}

TEST_F(UiServer, MetricsMatchTheListener) {
  auto c = program_->client();
  auto res = c.Get("/metrics");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"), HasSubstr("version=0.0.4"));
  auto m = parseMetrics(res->body);
  auto p = program_->ssc->uiWebUrl() ? true : false;
  ASSERT_TRUE(p);
  EXPECT_EQ(m.at("streaming_receivers"), 1);
  EXPECT_EQ(m.at("streaming_total_completed_batches"), 3);
  EXPECT_EQ(m.at("streaming_total_received_records"), 3);
  EXPECT_EQ(m.at("streaming_total_processed_records"), 3);
  EXPECT_EQ(m.at("streaming_unprocessed_batches"), 0);
  EXPECT_EQ(m.at("streaming_waiting_batches"), 0);
  EXPECT_EQ(m.at("streaming_running_batches"), 0);
  EXPECT_EQ(m.at("streaming_retained_completed_batches"), 3);
  EXPECT_EQ(m.at("streaming_last_completed_batch_submission_time_seconds"), 3);
  EXPECT_EQ(m.at("streaming_last_completed_batch_processing_delay_seconds"), 0);
  EXPECT_EQ(m.at("streaming_last_received_batch_records"), 0);
  EXPECT_EQ(
      m.at("streaming_received_records_total{stream_id=\"0\",stream_name=\"PushReceiver [0]\"}"),
      3);
  EXPECT_EQ(m.at("streaming_output_operation_duration_seconds_count{output_op_id=\"1\",name="
                 "\"foreachRDD\"}"),
            3);
  EXPECT_GT(m.at("ember_tasks_succeeded_total"), 0);
  EXPECT_EQ(m.at("ember_application_info{application_id=\"local-0\",application_name=\"<script>"
                 "alert(\\\"app\\\")</script>'\"}"),
            1);
}

// Debian's prometheus package (scripts/install-deps.sh) brings promtool, which parses the text
// format and lints the names (snake_case, _total counters, base units).
TEST_F(UiServer, MetricsPassPromtoolCheck) {
  auto c = program_->client();
  auto res = c.Get("/metrics");
  ASSERT_TRUE(res);
  ember_test::TempDir dir("ui_metrics");
  const std::string metrics = dir.str() + "/metrics.txt";
  const std::string report = dir.str() + "/promtool.txt";
  std::ofstream(metrics) << res->body;
  const std::string command = "promtool check metrics < " + metrics + " > " + report + " 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(report);
  std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(status, 0) << command << "\n" << output << "\n" << res->body;
}

TEST(UiInputStreams, AReceiverlessStreamsProblemsShowOnThePageAndInTheMetrics) {
  // A direct Kafka stream reports what it cannot reach this way; a queue stream stands in for it.
  ember::Conf conf;
  conf.setMaster("local[1]")
      .setAppName("input problems")
      .set("spark.streaming.clock", "ManualClock")
      .set("spark.ui.port", "0");
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  ssc.queueStream(std::vector<ember::Rdd<int>>{}).foreachRDD([](const ember::Rdd<int>&) {});
  ssc.start();
  auto& core = ssc.core();
  const std::string name = "DirectKafka stream [0] Subscribe(t)";
  auto show = [&](std::int64_t t, const std::string& problems) {
    core.reportInputProblems(ember::Time(t), 0, name, problems);
    dynamic_cast<ember::ManualClock&>(ssc.clock()).setTime(t);
    ASSERT_TRUE(core.awaitBatchProcessed(ember::Time(t), ember_ui_test::kTimeoutMs));
    core.listenerBus().waitUntilEmpty();
  };
  const std::string url = *ssc.uiWebUrl();
  httplib::Client c("127.0.0.1", std::stoi(url.substr(url.rfind(':') + 1)));
  c.set_read_timeout(10, 0);
  auto get = [&](const char* path) {
    auto res = c.Get(path);
    EXPECT_TRUE(res && res->status == 200) << path;
    return res ? res->body : std::string();
  };
  const std::string metric = "{stream_id=\"0\",stream_name=\"Queue stream [0]\"}";

  show(1000, "topic: t partition: 0 unavailable: <broker> down\n");
  show(2000, "topic: t partition: 0 unavailable: <broker> down\n");  // the same: said once
  std::string page = get("/streaming/");
  EXPECT_THAT(page, HasSubstr("<span class=\"input-status\">UNREACHABLE</span>"));
  EXPECT_THAT(page, HasSubstr("unavailable: &lt;broker&gt; down"));
  auto m = parseMetrics(get("/metrics"));
  EXPECT_EQ(m.at("ember_input_stream_unreachable" + metric), 1);
  EXPECT_EQ(m.at("ember_input_stream_errors_total" + metric), 1);

  show(3000, "");
  page = get("/streaming/");
  EXPECT_THAT(page, HasSubstr("<span class=\"input-status\">REACHABLE</span>"));
  EXPECT_THAT(page, HasSubstr("unavailable: &lt;broker&gt; down"));  // the last error stays
  m = parseMetrics(get("/metrics"));
  EXPECT_EQ(m.at("ember_input_stream_unreachable" + metric), 0);
  EXPECT_EQ(m.at("ember_input_stream_errors_total" + metric), 1);
  ssc.stop(false, false);
}

TEST(UiLifecycle, PortTakenMovesToTheNextAndStopClosesIt) {
  // Hold a port, ask the UI for it: it takes a later one, as Spark's "next free port".
  int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(holder, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int taken = ntohs(addr.sin_port);

  ember::Conf conf;
  conf.setMaster("local[1]").setAppName("ports").set("spark.streaming.clock", "ManualClock");
  conf.set("spark.ui.port", std::to_string(taken));
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  ssc.queueStream<int>(std::vector<ember::Rdd<int>>{}).foreachRDD([](const ember::Rdd<int>&) {});
  EXPECT_FALSE(ssc.uiWebUrl());
  ssc.start();
  auto url = ssc.uiWebUrl();
  ASSERT_TRUE(url);
  const int port = std::stoi(url->substr(url->rfind(':') + 1));
  EXPECT_GT(port, taken);
  EXPECT_LE(port, taken + 16);
  EXPECT_EQ(url->rfind("http://127.0.0.1:", 0), 0u);
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(5, 0);
  auto res = c.Get("/api/v1/applications");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  ssc.stop();
  EXPECT_FALSE(ssc.uiWebUrl());
  EXPECT_FALSE(c.Get("/api/v1/applications"));  // closed with the context
  ::close(holder);
}

TEST(UiLifecycle, DisabledMeansNoServer) {
  ember::Conf conf;
  conf.setMaster("local[1]").setAppName("off").set("spark.streaming.clock", "ManualClock");
  conf.set("spark.ui.enabled", "false");
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  ssc.queueStream<int>(std::vector<ember::Rdd<int>>{}).foreachRDD([](const ember::Rdd<int>&) {});
  ssc.start();
  EXPECT_FALSE(ssc.uiWebUrl());
  ssc.stop();
}

TEST(UiLifecycle, BadPortIsRefused) {
  ember::Conf conf;
  conf.setMaster("local[1]").setAppName("bad").set("spark.streaming.clock", "ManualClock");
  conf.set("spark.ui.port", "70000");
  ember::StreamingContext ssc(conf, ember::Seconds(1));
  ssc.queueStream<int>(std::vector<ember::Rdd<int>>{}).foreachRDD([](const ember::Rdd<int>&) {});
  EXPECT_THROW(ssc.start(), ember::IllegalArgumentError);
  EXPECT_FALSE(ssc.uiWebUrl());
  EXPECT_EQ(ember::StreamingContext::getActive(), nullptr);
}

TEST(UiRetention, RetainedBatchesBoundsTheLists) {
  UiProgram program("retention", 2);
  program.runThreeBatches();
  auto c = program.client();
  json s = getJson(c, program.api() + "statistics");
  EXPECT_EQ(s["numTotalCompletedBatches"], 3);
  EXPECT_EQ(s["numRetainedCompletedBatches"], 2);
  EXPECT_EQ(getJson(c, program.api() + "batches").size(), 2u);
  getJson(c, program.api() + "batches/1000", 404);
}

}  // namespace
