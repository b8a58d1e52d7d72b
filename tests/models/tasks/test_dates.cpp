#include <array>
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>

#include "framework/errors.hpp"
#include "models/tasks/dates.hpp"

using namespace unroll;
using namespace unroll::tasks;

namespace {

const std::array<std::string, 12> kMonthNames = {"January",   "February", "March",    "April",
                                                 "May",       "June",     "July",     "August",
                                                 "September", "October",  "November", "December"};
const std::array<std::string, 7> kDayNames = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                              "Friday", "Saturday", "Sunday"};
const std::array<std::string, 7> kKoreanDays = {"월요일", "화요일", "수요일", "목요일",
                                                "금요일", "토요일", "일요일"};

// Zeller's congruence, written apart from dates.cpp: 0 Monday … 6 Sunday.
int zeller(int y, int m, int d) {
  if (m < 3) m += 12, y -= 1;
  const int k = y % 100, j = y / 100;
  const int h = (d + 13 * (m + 1) / 5 + k + k / 4 + j / 4 + 5 * j) % 7;  // 0 Saturday
  return (h + 5) % 7;
}

int month_number(const std::string& name) {  // "March" or "Mar" → 3; 0 when unknown
  for (int i = 0; i < 12; ++i)
    if (kMonthNames[i] == name || kMonthNames[i].substr(0, 3) == name) return i + 1;
  return 0;
}
int day_number(const std::string& name, const std::array<std::string, 7>& names) {
  for (int i = 0; i < 7; ++i)
    if (names[i] == name || names[i].substr(0, 3) == name) return i;
  return -1;
}
std::string ordinal_suffix(int d) {
  if (d / 10 == 1) return "th";
  return d % 10 == 1 ? "st" : d % 10 == 2 ? "nd" : d % 10 == 3 ? "rd" : "th";
}
int full_year(const std::string& yy) {  // the documented rule: 50–99 → 19YY, 00–49 → 20YY
  const int v = std::stoi(yy);
  return v >= 50 ? 1900 + v : 2000 + v;
}

// A small strict parser of each format, independent of dates.cpp: the date written, or nullopt
// when the text does not match the format, names an impossible day, a wrong ordinal suffix, or a
// weekday that is not the date's.
std::optional<Date> parse(const std::string& text, const std::string& format) {
  static const std::map<std::string, std::regex> patterns = {
      {"iso", std::regex(R"((\d{4})-(\d{2})-(\d{2}))")},
      {"day_of_month", std::regex(R"(([1-9]\d?)(st|nd|rd|th) of ([A-Z][a-z]+) (\d{4}))")},
      {"day_month", std::regex(R"(([1-9]\d?) ([A-Z][a-z]+) (\d{4}))")},
      {"day_mon", std::regex(R"(([1-9]\d?) ([A-Z][a-z]{2}) (\d{4}))")},
      {"month_day", std::regex(R"(([A-Z][a-z]+) ([1-9]\d?), (\d{4}))")},
      {"month_ordinal", std::regex(R"(([A-Z][a-z]+) ([1-9]\d?)(st|nd|rd|th), (\d{4}))")},
      {"mon_day", std::regex(R"(([A-Z][a-z]{2}) ([1-9]\d?), (\d{4}))")},
      {"mon_day_yy", std::regex(R"(([A-Z][a-z]{2}) ([1-9]\d?), '(\d{2}))")},
      {"weekday_long", std::regex(R"(([A-Z][a-z]+day), ([A-Z][a-z]+) ([1-9]\d?), (\d{4}))")},
      {"weekday_short", std::regex(R"(([A-Z][a-z]{2}), ([1-9]\d?) ([A-Z][a-z]{2}) (\d{4}))")},
      {"us_slash", std::regex(R"((\d{2})/(\d{2})/(\d{4}))")},
      {"us_slash_short", std::regex(R"(([1-9]\d?)/([1-9]\d?)/(\d{2}))")},
      {"dotted", std::regex(R"((\d{4})\.(\d{2})\.(\d{2}))")},
      {"korean", std::regex("(\\d{4})년 ([1-9]\\d?)월 ([1-9]\\d?)일")},
      {"korean_weekday", std::regex("(\\d{4})년 ([1-9]\\d?)월 ([1-9]\\d?)일 (.+)")},
  };
  std::smatch m;
  if (!std::regex_match(text, m, patterns.at(format))) return std::nullopt;
  const auto n = [&](int i) { return std::stoi(m[i].str()); };
  int y = 0, mo = 0, d = 0, wd = -1;
  std::string suffix;
  if (format == "iso" || format == "dotted") y = n(1), mo = n(2), d = n(3);
  if (format == "day_of_month") d = n(1), suffix = m[2], mo = month_number(m[3]), y = n(4);
  if (format == "day_month" || format == "day_mon") d = n(1), mo = month_number(m[2]), y = n(3);
  if (format == "month_day" || format == "mon_day") mo = month_number(m[1]), d = n(2), y = n(3);
  if (format == "month_ordinal") mo = month_number(m[1]), d = n(2), suffix = m[3], y = n(4);
  if (format == "mon_day_yy") mo = month_number(m[1]), d = n(2), y = full_year(m[3]);
  if (format == "weekday_long")
    wd = day_number(m[1], kDayNames), mo = month_number(m[2]), d = n(3), y = n(4);
  if (format == "weekday_short")
    wd = day_number(m[1], kDayNames), d = n(2), mo = month_number(m[3]), y = n(4);
  if (format == "us_slash") mo = n(1), d = n(2), y = n(3);
  if (format == "us_slash_short") mo = n(1), d = n(2), y = full_year(m[3]);
  if (format == "korean" || format == "korean_weekday") y = n(1), mo = n(2), d = n(3);
  if (format == "korean_weekday") wd = day_number(m[4], kKoreanDays);
  static constexpr std::array<int, 12> lengths = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo < 1 || mo > 12 || d < 1 || d > lengths[mo - 1] + (mo == 2 && leap)) return std::nullopt;
  if (!suffix.empty() && suffix != ordinal_suffix(d)) return std::nullopt;
  const bool has_weekday =
      format == "weekday_long" || format == "weekday_short" || format == "korean_weekday";
  if (has_weekday && wd != zeller(y, mo, d)) return std::nullopt;
  return Date{y, mo, d};
}

}  // namespace

TEST_CASE("dates: weekdays against a known calendar", "[tasks][dates]") {
  CHECK(weekday({1900, 1, 1}) == 0);  // a Monday
  CHECK(weekday({1970, 1, 1}) == 3);  // a Thursday
  CHECK(weekday({2000, 1, 1}) == 5);  // a Saturday
  CHECK(weekday({2021, 3, 3}) == 2);  // a Wednesday
  CHECK(weekday({2099, 12, 31}) == 3);
  const std::int64_t first = days_from_civil({1900, 1, 1}), last = days_from_civil({2099, 12, 31});
  for (std::int64_t day = first; day <= last; ++day) {
    const Date d = civil_from_days(day);
    REQUIRE(days_from_civil(d) == day);
    REQUIRE(weekday(d) == zeller(d.year, d.month, d.day));
  }
}

TEST_CASE("dates: leap years and month lengths", "[tasks][dates]") {
  CHECK_FALSE(is_leap_year(1900));
  CHECK(is_leap_year(2000));
  CHECK(is_leap_year(2024));
  CHECK_FALSE(is_leap_year(2023));
  CHECK_FALSE(is_leap_year(2100));
  CHECK(days_in_month(1900, 2) == 28);
  CHECK(days_in_month(2000, 2) == 29);
  CHECK(days_in_month(2021, 4) == 30);
  // 200 years of 365 days and 49 leap days (1904 … 2096; 1900 is not one).
  CHECK(days_from_civil({2099, 12, 31}) - days_from_civil({1900, 1, 1}) + 1 == 73049);
  CHECK(civil_from_days(days_from_civil({2000, 2, 28}) + 1) == Date{2000, 2, 29});
  CHECK(civil_from_days(days_from_civil({1900, 2, 28}) + 1) == Date{1900, 3, 1});
  CHECK_THROWS_WITH(days_from_civil({1900, 2, 29}), Catch::Contains("1900-02-29 is not a date"));
  CHECK_THROWS_AS(days_in_month(2021, 13), ValueError);
}

TEST_CASE("dates: the formats' examples are the issue's", "[tasks][dates]") {
  std::map<std::string, std::string> examples;
  for (const auto& f : date_formats()) examples[f.name] = f.example;
  CHECK(date_formats().size() == 15);
  CHECK(examples.at("day_of_month") == "3rd of March 2021");
  CHECK(examples.at("mon_day_yy") == "Mar 3, '21");
  CHECK(examples.at("us_slash") == "03/03/2021");
  CHECK(examples.at("weekday_long") == "Wednesday, March 3, 2021");
  CHECK(examples.at("day_month") == "3 March 2021");
  CHECK(examples.at("korean") == "2021년 3월 3일");
  CHECK(examples.at("month_ordinal") == "March 3rd, 2021");
  CHECK(examples.at("dotted") == "2021.03.03");
  CHECK(examples.at("us_slash_short") == "3/3/21");
  CHECK(examples.at("korean_weekday") == "2021년 3월 3일 수요일");
  CHECK(examples.at("weekday_short") == "Wed, 3 Mar 2021");
  // Month first, ordinals of the teens and twenties.
  CHECK(format_date({2021, 4, 3}, date_format_index("us_slash")) == "04/03/2021");
  const std::size_t of = date_format_index("day_of_month");
  CHECK(format_date({2021, 3, 11}, of) == "11th of March 2021");
  CHECK(format_date({2021, 3, 12}, of) == "12th of March 2021");
  CHECK(format_date({2021, 3, 22}, of) == "22nd of March 2021");
  CHECK(format_date({2021, 3, 31}, of) == "31st of March 2021");
}

TEST_CASE("dates: every format of a sweep of days parses back to the same day", "[tasks][dates]") {
  const std::int64_t first = days_from_civil({1900, 1, 1}), last = days_from_civil({2099, 12, 31});
  for (std::size_t f = 0; f < date_formats().size(); ++f) {
    const auto& format = date_formats()[f];
    std::size_t parsed = 0;
    for (std::int64_t day = first; day <= last; day += 29) {  // 29: every day of month and week
      const Date d = civil_from_days(day);
      if (format.two_digit_year && (d.year < 1950 || d.year > 2049)) {
        CHECK_THROWS_AS(format_date(d, f), ValueError);
        continue;
      }
      const std::string text = format_date(d, f);
      INFO(format.name << ": " << text);
      REQUIRE(parse(text, format.name) == d);
      ++parsed;
    }
    CHECK(parsed > 1000);
  }
}

TEST_CASE("dates: every generated pair parses back to its ISO day", "[tasks][dates]") {
  std::set<std::size_t> formats;
  int lowest = 3000, highest = 0;
  for (std::uint64_t i = 0; i < 6000; ++i) {
    const DatePair p = date_pair(11, i);
    INFO(p.human << " → " << p.iso);
    const auto d = parse(p.human, date_formats()[p.format].name);
    REQUIRE(d.has_value());
    CHECK(iso_date(*d) == p.iso);
    CHECK(*d == p.date);
    formats.insert(p.format);
    lowest = std::min(lowest, d->year), highest = std::max(highest, d->year);
  }
  CHECK(formats.size() == date_formats().size());
  CHECK(lowest < 1905);
  CHECK(highest > 2095);
  CHECK(date_pair(11, 5).human == date_pair(11, 5).human);
  CHECK(date_pair(11, 5).iso == date_pair(11, 5).iso);
  int same = 0;
  for (std::uint64_t i = 0; i < 20; ++i) same += date_pair(11, i).iso == date_pair(12, i).iso;
  CHECK(same < 3);
}

TEST_CASE("dates: ranges, two-digit years and unknown formats are errors", "[tasks][dates]") {
  const std::size_t yy = date_format_index("mon_day_yy");
  CHECK(format_date({1950, 1, 1}, yy) == "Jan 1, '50");
  CHECK(format_date({2049, 12, 31}, yy) == "Dec 31, '49");
  CHECK_THROWS_WITH(format_date({1949, 12, 31}, yy),
                    Catch::Contains("1949-12-31") && Catch::Contains("mon_day_yy"));
  CHECK_THROWS_WITH(format_date({2050, 1, 1}, date_format_index("us_slash_short")),
                    Catch::Contains("2050-01-01"));
  CHECK_THROWS_WITH(format_date({1899, 12, 31}, 0), Catch::Contains("1899-12-31"));
  CHECK_THROWS_WITH(format_date({2100, 1, 1}, 0), Catch::Contains("2100-01-01"));
  CHECK_THROWS_WITH(format_date({2000, 1, 1}, 15), Catch::Contains("format 15"));
  CHECK_THROWS_WITH(date_format_index("roman"),
                    Catch::Contains("'roman'") && Catch::Contains("korean_weekday"));
}
