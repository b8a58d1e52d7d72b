#include "models/tasks/dates.hpp"

#include <fmt/format.h>

#include <array>

#include "framework/errors.hpp"
#include "models/tasks/random.hpp"

namespace unroll::tasks {

namespace {

struct FormatSpec {
  const char* name;
  const char* pattern;
  bool two_digit_year;
};

constexpr std::array<FormatSpec, 15> kFormats = {{
    {"iso", "YYYY-MM-DD", false},
    {"day_of_month", "Dth of Month YYYY", false},
    {"day_month", "D Month YYYY", false},
    {"day_mon", "D Mon YYYY", false},
    {"month_day", "Month D, YYYY", false},
    {"month_ordinal", "Month Dth, YYYY", false},
    {"mon_day", "Mon D, YYYY", false},
    {"mon_day_yy", "Mon D, 'YY", true},
    {"weekday_long", "Weekday, Month D, YYYY", false},
    {"weekday_short", "Wkd, D Mon YYYY", false},
    {"us_slash", "MM/DD/YYYY", false},
    {"us_slash_short", "M/D/YY", true},
    {"dotted", "YYYY.MM.DD", false},
    {"korean", "YYYY년 M월 D일", false},
    {"korean_weekday", "YYYY년 M월 D일 요일", false},
}};

constexpr std::array<const char*, 12> kMonths = {"January",   "February", "March",    "April",
                                                 "May",       "June",     "July",     "August",
                                                 "September", "October",  "November", "December"};
constexpr std::array<const char*, 7> kWeekdays = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                  "Friday", "Saturday", "Sunday"};
constexpr std::array<const char*, 7> kKoreanWeekdays = {"월요일", "화요일", "수요일", "목요일",
                                                        "금요일", "토요일", "일요일"};

constexpr Date kFirst{1900, 1, 1}, kLast{2099, 12, 31};
constexpr Date kFirstTwoDigit{1950, 1, 1}, kLastTwoDigit{2049, 12, 31};

// "1st", "2nd", "3rd", "4th", … "11th", "12th", "13th", … "21st", "22nd", "23rd", … "31st".
std::string ordinal(int day) {
  const int last = day % 10;
  const char* suffix = (day / 10 == 1 || last == 0 || last > 3) ? "th"
                       : last == 1                              ? "st"
                       : last == 2                              ? "nd"
                                                                : "rd";
  return fmt::format("{}{}", day, suffix);
}

// The first three letters: "Mar", "Wed".
std::string abbreviation(const char* word) { return std::string(word, 3); }

}  // namespace

const std::vector<DateFormat>& date_formats() {
  static const std::vector<DateFormat> formats = [] {
    std::vector<DateFormat> out;
    for (std::size_t i = 0; i < kFormats.size(); ++i)
      out.push_back({kFormats[i].name, kFormats[i].pattern, format_date({2021, 3, 3}, i),
                     kFormats[i].two_digit_year});
    return out;
  }();
  return formats;
}

std::size_t date_format_index(std::string_view name) {
  std::string names;
  for (std::size_t i = 0; i < kFormats.size(); ++i) {
    if (name == kFormats[i].name) return i;
    names += (i ? ", " : "") + std::string(kFormats[i].name);
  }
  throw ValueError(fmt::format("dates: no format '{}'; the formats are {}", name, names));
}

bool is_leap_year(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  if (month < 1 || month > 12)
    throw ValueError(fmt::format("days_in_month: month {} of {} is not in 1..12", month, year));
  static constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : days[static_cast<std::size_t>(month - 1)];
}

// Howard Hinnant's days_from_civil: the year counted from March, in 400-year eras of 146097 days.
std::int64_t days_from_civil(const Date& date) {
  if (date.day < 1 || date.day > days_in_month(date.year, date.month))
    throw ValueError(fmt::format("days_from_civil: {}-{:02}-{:02} is not a date", date.year,
                                 date.month, date.day));
  const std::int64_t y = date.year - (date.month <= 2);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;  // [0, 399]
  const std::int64_t doy = (153 * (date.month + (date.month > 2 ? -3 : 9)) + 2) / 5 + date.day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;  // [0, 146096]
  return era * 146097 + doe - 719468;
}

// Hinnant's civil_from_days, the inverse of days_from_civil.
Date civil_from_days(std::int64_t days) {
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const auto month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {static_cast<int>(yoe + era * 400 + (month <= 2)), month,
          static_cast<int>(doy - (153 * mp + 2) / 5 + 1)};
}

// 1970-01-01 was a Thursday (3).
int weekday(const Date& date) {
  const std::int64_t r = (days_from_civil(date) + 3) % 7;
  return static_cast<int>(r < 0 ? r + 7 : r);
}

std::string iso_date(const Date& date) {
  return fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day);
}

std::string format_date(const Date& d, std::size_t format) {
  if (format >= kFormats.size())
    throw ValueError(
        fmt::format("format_date: format {} is not below the {} formats", format, kFormats.size()));
  const std::int64_t days = days_from_civil(d);
  const bool two_digit = kFormats[format].two_digit_year;
  const Date first = two_digit ? kFirstTwoDigit : kFirst, last = two_digit ? kLastTwoDigit : kLast;
  if (days < days_from_civil(first) || days > days_from_civil(last))
    throw ValueError(fmt::format("format_date: {} is outside {} … {}, the range of format '{}'",
                                 iso_date(d), iso_date(first), iso_date(last),
                                 kFormats[format].name));
  const char* month = kMonths[static_cast<std::size_t>(d.month - 1)];
  const auto wd = static_cast<std::size_t>(weekday(d));
  const int yy = d.year % 100;
  switch (format) {  // in the order of kFormats
    case 0:
      return iso_date(d);
    case 1:
      return fmt::format("{} of {} {}", ordinal(d.day), month, d.year);
    case 2:
      return fmt::format("{} {} {}", d.day, month, d.year);
    case 3:
      return fmt::format("{} {} {}", d.day, abbreviation(month), d.year);
    case 4:
      return fmt::format("{} {}, {}", month, d.day, d.year);
    case 5:
      return fmt::format("{} {}, {}", month, ordinal(d.day), d.year);
    case 6:
      return fmt::format("{} {}, {}", abbreviation(month), d.day, d.year);
    case 7:
      return fmt::format("{} {}, '{:02}", abbreviation(month), d.day, yy);
    case 8:
      return fmt::format("{}, {} {}, {}", kWeekdays[wd], month, d.day, d.year);
    case 9:
      return fmt::format("{}, {} {} {}", abbreviation(kWeekdays[wd]), d.day, abbreviation(month),
                         d.year);
    case 10:
      return fmt::format("{:02}/{:02}/{}", d.month, d.day, d.year);
    case 11:
      return fmt::format("{}/{}/{:02}", d.month, d.day, yy);
    case 12:
      return fmt::format("{}.{:02}.{:02}", d.year, d.month, d.day);
    case 13:
      return fmt::format("{}년 {}월 {}일", d.year, d.month, d.day);
    default:
      return fmt::format("{}년 {}월 {}일 {}", d.year, d.month, d.day, kKoreanWeekdays[wd]);
  }
}

DatePair date_pair(std::uint64_t seed, std::uint64_t index) {
  auto rng = batch_rng(seed, index);
  const std::size_t format = uniform_below(rng, kFormats.size());
  const bool two_digit = kFormats[format].two_digit_year;
  const std::int64_t first = days_from_civil(two_digit ? kFirstTwoDigit : kFirst);
  const std::int64_t last = days_from_civil(two_digit ? kLastTwoDigit : kLast);
  const Date date = civil_from_days(first + static_cast<std::int64_t>(uniform_below(
                                                rng, static_cast<std::size_t>(last - first + 1))));
  return {format_date(date, format), iso_date(date), date, format};
}

}  // namespace unroll::tasks
