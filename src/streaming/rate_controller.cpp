#include "rate_controller.hpp"

namespace ember::detail {

RateController::RateController(int stream_id, std::unique_ptr<RateEstimator> estimator,
                               RateLimiter& limiter)
    : stream_id_(stream_id), estimator_(std::move(estimator)), limiter_(limiter) {}

void RateController::onBatchCompleted(const BatchInfo& info) {
  auto input = info.streamIdToInputInfo.find(stream_id_);
  auto processing = info.processingDelay();
  auto scheduling = info.schedulingDelay();
  if (!info.processingEndTime || !processing || !scheduling ||
      input == info.streamIdToInputInfo.end()) {
    return;
  }
  auto rate = estimator_->compute(*info.processingEndTime, input->second.numRecords, *processing,
                                  *scheduling);
  if (!rate) return;
  latest_rate_.store(static_cast<std::int64_t>(*rate));
  limiter_.updateRate(latest_rate_.load());
}

}  // namespace ember::detail
