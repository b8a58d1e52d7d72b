// The status line's durations: minutes and seconds, hours and minutes from an hour on, never
// negative (a time budget overshoots by the last step).
#include <catch2/catch.hpp>

#include "models/training/progress.hpp"

using unroll::training::format_duration;
using unroll::training::Status;
using unroll::training::status_line;

TEST_CASE("durations read as minutes and seconds, or hours and minutes", "[progress]") {
  CHECK(format_duration(0) == "0m00s");
  CHECK(format_duration(65.9) == "1m05s");
  CHECK(format_duration(3599) == "59m59s");
  CHECK(format_duration(3720) == "1h02m");
}

TEST_CASE("an overshot time budget shows no negative ETA", "[progress]") {
  CHECK(format_duration(-3.2) == "0m00s");
  Status status;
  status.step = 10;
  status.remaining_s = -3;
  CHECK_THAT(status_line(status), Catch::Contains("ETA 0m00s"));
}
