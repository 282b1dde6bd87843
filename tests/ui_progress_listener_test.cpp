// The listener behind the web UI (counts, averages, retention, receivers' errors), driven by
// events whose times are those of a manual clock; StatsReportListener's report; the UI's
// formats.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "ember/core/error.hpp"
#include "ember/streaming/ops/output.hpp"
#include "ember/ui/console_progress.hpp"
#include "ember/ui/stats_report_listener.hpp"
#include "ember/ui/streaming_job_progress_listener.hpp"
#include "streaming/console_line.hpp"
#include "temp_dir.hpp"
#include "ui/ui_format.hpp"

namespace {

using ember::BatchInfo;
using ember::Time;
using ember::ui::BatchStatus;
using ember::ui::StreamingJobProgressListener;

constexpr std::int64_t kInterval = 1000;

// A batch at `t` with `records` from stream 0, submitted at t; started and ended at the given
// clock times when set; one output operation.
BatchInfo batch(std::int64_t t, std::int64_t records, std::optional<std::int64_t> start = {},
                std::optional<std::int64_t> end = {}) {
  BatchInfo b;
  b.batchTime = Time(t);
  b.submissionTime = t;
  b.processingStartTime = start;
  b.processingEndTime = end;
  b.streamIdToInputInfo[0] = {0, records, ""};
  ember::OutputOperationInfo op;
  op.batchTime = Time(t);
  op.id = 0;
  op.name = "print";
  op.description = "print at Example.cpp";
  if (start) op.startTime = start;
  if (end) op.endTime = end;
  b.outputOperationInfos[0] = op;
  return b;
}

StreamingJobProgressListener makeListener(int retained = 1000) {
  return StreamingJobProgressListener(
      kInterval, retained, {{0, "Socket stream [0]", true}, {1, "File stream [1]", false}});
}

// Submits, starts and completes a batch.
void runBatch(StreamingJobProgressListener& l, std::int64_t t, std::int64_t records,
              std::int64_t start, std::int64_t end) {
  l.onBatchSubmitted({batch(t, records)});
  l.onBatchStarted({batch(t, records, start)});
  l.onBatchCompleted({batch(t, records, start, end)});
}

TEST(ProgressListener, BatchesMoveFromWaitingToRunningToCompleted) {
  auto l = makeListener();
  l.onStreamingStarted({500});
  l.onBatchSubmitted({batch(1000, 10)});
  l.onBatchSubmitted({batch(2000, 20)});
  auto p = l.snapshot();
  EXPECT_EQ(p.startTime, 500);
  EXPECT_EQ(p.waiting.size(), 2u);
  EXPECT_EQ(p.numUnprocessedBatches(), 2);
  EXPECT_EQ(p.totalReceivedRecords, 0);  // counted when a batch starts, as Spark

  l.onBatchStarted({batch(1000, 10, 1100)});
  p = l.snapshot();
  ASSERT_EQ(p.running.size(), 1u);
  EXPECT_EQ(p.running[0].status, BatchStatus::PROCESSING);
  EXPECT_EQ(p.waiting.size(), 1u);
  EXPECT_EQ(p.totalReceivedRecords, 10);
  EXPECT_EQ(p.totalProcessedRecords, 0);

  l.onBatchCompleted({batch(1000, 10, 1100, 1400)});
  p = l.snapshot();
  EXPECT_TRUE(p.running.empty());
  ASSERT_EQ(p.completed.size(), 1u);
  EXPECT_EQ(p.completed[0].status, BatchStatus::COMPLETED);
  EXPECT_EQ(p.totalCompletedBatches, 1);
  EXPECT_EQ(p.totalProcessedRecords, 10);
  EXPECT_EQ(p.numUnprocessedBatches(), 1);
  ASSERT_NE(p.lastCompletedBatch(), nullptr);
  EXPECT_EQ(p.lastCompletedBatch()->batchTime(), 1000);
  ASSERT_NE(p.lastReceivedBatch(), nullptr);
  EXPECT_EQ(p.lastReceivedBatch()->batchTime(), 2000);
}

TEST(ProgressListener, AveragesAreOverRetainedBatchesInWholeMilliseconds) {
  auto l = makeListener();
  runBatch(l, 1000, 10, 1100, 1400);     // scheduling 100, processing 300, total 400
  runBatch(l, 2000, 30, 2001, 2501);     // 1, 500, 501
  l.onBatchSubmitted({batch(3000, 5)});  // waiting: counts for the input rate only
  auto p = l.snapshot();
  EXPECT_EQ(p.avgSchedulingDelay(), 50);  // (100 + 1) / 2 = 50 (integer division)
  EXPECT_EQ(p.avgProcessingTime(), 400);
  EXPECT_EQ(p.avgTotalDelay(), 450);
  ASSERT_TRUE(p.avgInputRate());
  EXPECT_DOUBLE_EQ(*p.avgInputRate(), (10.0 + 30.0 + 5.0) / 3);
  auto rates = p.recordRates(0);
  ASSERT_EQ(rates.size(), 3u);
  EXPECT_EQ(rates[1], (std::pair<std::int64_t, double>{2000, 30.0}));
  EXPECT_EQ(p.recordRates(1)[0].second, 0.0);  // no records from stream 1
}

TEST(ProgressListener, NoAveragesBeforeAnyBatch) {
  auto p = makeListener().snapshot();
  EXPECT_FALSE(p.avgInputRate());
  EXPECT_FALSE(p.avgSchedulingDelay());
  EXPECT_FALSE(p.avgProcessingTime());
  EXPECT_FALSE(p.avgTotalDelay());
  EXPECT_EQ(p.lastCompletedBatch(), nullptr);
}

TEST(ProgressListener, RetainsTheLastCompletedBatchesButCountsThemAll) {
  auto l = makeListener(3);
  for (int i = 1; i <= 5; ++i) runBatch(l, i * 1000, i, i * 1000 + 10, i * 1000 + 20);
  auto p = l.snapshot();
  ASSERT_EQ(p.completed.size(), 3u);
  EXPECT_EQ(p.completed.front().batchTime(), 3000);
  EXPECT_EQ(p.completed.back().batchTime(), 5000);
  EXPECT_EQ(p.totalCompletedBatches, 5);
  EXPECT_EQ(p.totalProcessedRecords, 1 + 2 + 3 + 4 + 5);
  EXPECT_EQ(p.batch(2000), nullptr);
  EXPECT_NE(p.batch(3000), nullptr);
  EXPECT_EQ(p.receivedRecordsByStream.at(0), 15);
}

TEST(ProgressListener, RefusesANonPositiveRetention) {
  EXPECT_THROW(StreamingJobProgressListener(kInterval, 0, {}), ember::IllegalArgumentError);
  EXPECT_THROW(StreamingJobProgressListener(0, 10, {}), ember::IllegalArgumentError);
}

TEST(ProgressListener, KeepsEachReceiversLastStateAndError) {
  auto l = makeListener();
  ember::ReceiverInfo r;
  r.streamId = 0;
  r.name = "SocketReceiver(localhost:9999)";
  r.active = true;
  l.onReceiverStarted({r});
  auto p = l.snapshot();
  EXPECT_EQ(p.numReceivers(), 1);  // stream 1 is not a receiver stream
  EXPECT_EQ(p.numActiveReceivers(), 1);
  EXPECT_EQ(p.numInactiveReceivers(), 0);

  r.lastErrorMessage = "Error connecting to localhost:9999";
  r.lastError = "Connection refused";
  r.lastErrorTime = 4200;
  l.onReceiverError({r});
  r.active = false;
  l.onReceiverStopped({r});
  p = l.snapshot();
  EXPECT_EQ(p.numActiveReceivers(), 0);
  EXPECT_EQ(p.numInactiveReceivers(), 1);
  const auto& last = p.receivers.at(0);
  EXPECT_EQ(last.lastErrorMessage, "Error connecting to localhost:9999");
  EXPECT_EQ(last.lastError, "Connection refused");
  EXPECT_EQ(last.lastErrorTime, 4200);
  EXPECT_EQ(p.streamName(0), "Socket stream [0]");
  EXPECT_EQ(p.streamName(7), "Stream-7");
}

TEST(ProgressListener, OutputOperationsUpdateTheRunningBatch) {
  auto l = makeListener();
  BatchInfo b = batch(1000, 3);
  ember::OutputOperationInfo second = b.outputOperationInfos[0];
  second.id = 1;
  second.name = "foreachRDD";
  b.outputOperationInfos[1] = second;
  l.onBatchSubmitted({b});
  b.processingStartTime = 1005;
  l.onBatchStarted({b});
  auto op = b.outputOperationInfos[0];
  op.startTime = 1005;
  l.onOutputOperationStarted({op});
  auto p = l.snapshot();
  EXPECT_EQ(p.running[0].numActiveOutputOp(), 1);
  EXPECT_EQ(p.running[0].numCompletedOutputOp(), 0);
  op.endTime = 1030;
  l.onOutputOperationCompleted({op});
  auto op1 = b.outputOperationInfos[1];
  op1.startTime = 1030;
  op1.endTime = 1031;
  op1.failureReason = "boom\nat line 2";
  l.onOutputOperationCompleted({op1});
  p = l.snapshot();
  EXPECT_EQ(p.running[0].numActiveOutputOp(), 0);
  EXPECT_EQ(p.running[0].numCompletedOutputOp(), 1);
  EXPECT_EQ(p.running[0].numFailedOutputOp(), 1);
  EXPECT_EQ(p.running[0].firstFailureReason(), "boom\nat line 2");
  const auto& d = p.outputOpDurations.at(0);
  EXPECT_EQ(d.count, 1u);
  EXPECT_EQ(d.sumMs, 25);
  EXPECT_EQ(d.bucketCounts[0], 0u);  // 25 ms > 5 ms
  EXPECT_EQ(d.bucketCounts[2], 1u);  // 25 ms <= 25 ms
}

TEST(BatchStatus, ParsesSparksNamesInAnyCase) {
  EXPECT_EQ(ember::ui::parseBatchStatus("completed"), BatchStatus::COMPLETED);
  EXPECT_EQ(ember::ui::parseBatchStatus("QUEUED"), BatchStatus::QUEUED);
  EXPECT_EQ(ember::ui::parseBatchStatus("Processing"), BatchStatus::PROCESSING);
  EXPECT_FALSE(ember::ui::parseBatchStatus("done"));
  EXPECT_FALSE(ember::ui::parseBatchStatus(""));
}

TEST(StatsReportListener, ReportsDistributionsOfTheLastBatches) {
  ember::ui::StatsReportListener l(2);
  l.onBatchCompleted({batch(1000, 1, 1000, 1100)});
  l.onBatchCompleted({batch(2000, 1, 2000, 2300)});
  l.onBatchCompleted({batch(3000, 1, 3050, 3250)});  // total 250, processing 200
  auto lines = l.lastReport();
  ASSERT_EQ(lines.size(), 6u);
  // Only the last two: totals 300 and 250, processing 300 and 200.
  EXPECT_EQ(lines[0],
            "Total delay: (count: 2, mean: 275.000000, stdev: 25.000000, max: 300.000000, min: "
            "250.000000)");
  EXPECT_EQ(lines[1], "\t0%\t5%\t10%\t25%\t50%\t75%\t90%\t95%\t100%");
  EXPECT_EQ(lines[2],
            "\t250.0 ms\t250.0 ms\t250.0 ms\t250.0 ms\t300.0 ms\t300.0 ms\t300.0 ms\t300.0 "
            "ms\t300.0 ms");
  EXPECT_EQ(lines[3].rfind("Processing time: (count: 2, mean: 250.000000", 0), 0u);
  EXPECT_THROW(ember::ui::StatsReportListener(0), ember::IllegalArgumentError);
}

TEST(StatsReportListener, MillisToStringPicksTheUnit) {
  using ember::ui::StatsReportListener;
  EXPECT_EQ(StatsReportListener::millisToString(999), "999.0 ms");
  EXPECT_EQ(StatsReportListener::millisToString(1500), "1.5 s");
  EXPECT_EQ(StatsReportListener::millisToString(90'000), "1.5 min");
  EXPECT_EQ(StatsReportListener::millisToString(5'400'000), "1.5 hours");
}

TEST(Distribution, QuantilesFollowSparksIndexRule) {
  auto d = ember::ui::Distribution::of({5, 1, 4, 2, 3});
  ASSERT_TRUE(d);
  // index min(p * 5, 4) of 1..5
  EXPECT_EQ(d->getQuantiles({0, 0.25, 0.5, 0.75, 1}), (std::vector<double>{1, 2, 3, 4, 5}));
  EXPECT_FALSE(ember::ui::Distribution::of({}));
}

TEST(UiFormat, DurationsAsSparksUi) {
  using namespace ember::ui::detail;
  EXPECT_EQ(formatDurationVerbose(1000), "1 second");
  EXPECT_EQ(formatDurationVerbose(200), "200 ms");
  EXPECT_EQ(formatDurationVerbose(5 * 60'000), "5 minutes");
  EXPECT_EQ(formatDurationVerbose(61'500), "1 minute 1 second");
  EXPECT_EQ(formatDurationVerbose(2'500), "2 seconds 500 ms");
  EXPECT_EQ(formatDuration(42), "42 ms");
  EXPECT_EQ(formatDuration(500), "0.5 s");
  EXPECT_EQ(formatDuration(12'000), "12 s");
  EXPECT_EQ(formatDuration(90'000), "1.5 min");
  EXPECT_EQ(formatDurationOption(std::nullopt), "-");
  EXPECT_EQ(jsonDate(1'500), "1970-01-01T00:00:01.500GMT");
  EXPECT_EQ(htmlEscape("<script>alert(\"x\") & 'y'</script>"),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;");
}

TEST(ConsoleProgress, LineShowsTheBatchAndTurnsRedWhenBehind) {
  using ember::ui::ConsoleProgressListener;
  BatchInfo b = batch(1000, 42, 1200, 1500);
  EXPECT_EQ(ConsoleProgressListener::statusLine(b, kInterval, 0, false),
            "[Batch " + ember::ui::detail::formatBatchTime(1000, kInterval) +
                "] 42 records | processing 0.3 s / 1 s | delay 0.5 s | 0 pending");
  EXPECT_EQ(ConsoleProgressListener::statusLine(b, kInterval, 0, true).substr(0, 5), "\x1b[32m");
  BatchInfo slow = batch(2000, 1, 2000, 3500);  // 1.5 s of processing for a 1 s interval
  EXPECT_EQ(ConsoleProgressListener::statusLine(slow, kInterval, 0, true).substr(0, 5), "\x1b[31m");
  EXPECT_EQ(ConsoleProgressListener::statusLine(b, kInterval, 3, true).substr(0, 5), "\x1b[31m");
}

// Reads everything written to `fd` while `body` runs.
template <class F>
std::string capture(int fd, F body) {
  ember_test::TempDir dir("ui_console");
  const std::string file = dir.str() + "/out";
  std::fflush(nullptr);
  const int saved = ::dup(fd);
  const int target = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(target, fd);
  ::close(target);
  body();
  std::fflush(nullptr);
  ::dup2(saved, fd);
  ::close(saved);
  std::ifstream in(file);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(ConsoleProgress, PrintBlocksEraseTheLineAndRedrawItAfter) {
  std::string out;
  const std::string err = capture(STDERR_FILENO, [&] {
    out = capture(STDOUT_FILENO, [] {
      ember::detail::setConsoleLine("status");
      ember::detail::writeBlock("-----\nTime: 1\n-----\n\n");
      ember::detail::clearConsoleLine();
      ember::detail::writeBlock("after\n");  // no line shown: nothing on standard error
    });
  });
  EXPECT_EQ(out, "-----\nTime: 1\n-----\n\nafter\n");
  EXPECT_EQ(err,
            "\r\x1b[Kstatus"
            "\r\x1b[K"
            "\r\x1b[Kstatus"
            "\r\x1b[K");
}

}  // namespace
