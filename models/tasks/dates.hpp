// Dates as people write them, paired with ISO 8601 ("YYYY-MM-DD"): the translate task's data.
//
// Every date lies in 1900-01-01 … 2099-12-31 (the proleptic Gregorian calendar; 1900 is not a
// leap year, 2000 is). The formats, in a fixed order (date_formats() lists them, each with its
// example for 2021-03-03):
//   iso              2021-03-03
//   day_of_month     3rd of March 2021
//   day_month        3 March 2021
//   day_mon          3 Mar 2021
//   month_day        March 3, 2021
//   month_ordinal    March 3rd, 2021
//   mon_day          Mar 3, 2021
//   mon_day_yy       Mar 3, '21            (two-digit year)
//   weekday_long     Wednesday, March 3, 2021
//   weekday_short    Wed, 3 Mar 2021
//   us_slash         03/03/2021            (MM/DD/YYYY: month first, as in the US)
//   us_slash_short   3/3/21                (M/D/YY: month first, two-digit year)
//   dotted           2021.03.03            (YYYY.MM.DD)
//   korean           2021년 3월 3일
//   korean_weekday   2021년 3월 3일 수요일
// Slashed dates are always month first (03/04/2021 is March 4), never day first.
// Two-digit years: 50–99 are 1950–1999 and 00–49 are 2000–2049. Within 1900–2099 a two-digit year
// is otherwise ambiguous, so the two formats that write one (mon_day_yy, us_slash_short) are only
// ever generated for 1950-01-01 … 2049-12-31, where the rule is exact.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace unroll::tasks {

struct Date {
  int year = 1900, month = 1, day = 1;  // month 1..12, day 1..days_in_month
  bool operator==(const Date&) const = default;
};

struct DateFormat {
  std::string name;     // "day_of_month"
  std::string pattern;  // "Dth of Month YYYY"
  std::string example;  // "3rd of March 2021": 2021-03-03 in this format
  bool two_digit_year;  // generated for 1950–2049 only
};

// The formats in their fixed order (the index is a format's id).
const std::vector<DateFormat>& date_formats();
// The index of the format called `name`; ValueError listing the names when there is none.
std::size_t date_format_index(std::string_view name);

bool is_leap_year(int year);             // divisible by 4, and not by 100 unless by 400
int days_in_month(int year, int month);  // ValueError for a month outside 1..12
// Days since 1970-01-01 (negative before), for any valid date; ValueError naming an invalid one.
std::int64_t days_from_civil(const Date& date);
Date civil_from_days(std::int64_t days);  // its inverse
// 0 Monday … 6 Sunday.
int weekday(const Date& date);

std::string iso_date(const Date& date);  // "2021-03-03"
// The date written in format `format` (an index of date_formats()); ValueError for an index out
// of range, a date outside 1900–2099, or a two-digit-year format outside 1950–2049.
std::string format_date(const Date& date, std::size_t format);

struct DatePair {
  std::string human;  // "3rd of March 2021"
  std::string iso;    // "2021-03-03"
  Date date;
  std::size_t format;
};

// Pair `index` of the stream `seed`: a format uniform over date_formats(), then a day uniform over
// that format's range, both drawn from batch_rng(seed, index) (random.hpp).
DatePair date_pair(std::uint64_t seed, std::uint64_t index);

}  // namespace unroll::tasks
