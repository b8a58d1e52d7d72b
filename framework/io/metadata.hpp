/// @file
/// Reading a checkpoint's string metadata (the safetensors `__metadata__` map) strictly: every
/// reader throws ValueError naming the key and the value it refuses, so a model's config is
/// rebuilt from a file or refused with one clear line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace unroll::io {

/// A safetensors file's `__metadata__`: string keys to string values.
using Metadata = std::map<std::string, std::string>;

/// The value of `key`; ValueError when it is missing.
const std::string& required(const Metadata& m, const std::string& key);
/// A size of a model: decimal digits only ("+5", " 5" and " -5" are refused: std::stoull would
/// read " -5" as 2^64 − 5), at most 999,999,999 (more could not be allocated).
std::size_t whole_number(const std::string& key, const std::string& value);
/// All of `value` one floating-point number ("0.25x" is not one).
double number(const std::string& key, const std::string& value);
/// "true" or "false".
bool flag(const std::string& key, const std::string& value);
/// The "seed" a checkpoint's task wrote (the seed its data were split with), up to 2^64 − 1;
/// ValueError naming `path` when it is missing or not a whole number.
std::uint64_t seed(const Metadata& m, const std::string& path);
/// ValueError unless the metadata's "program" is `program` (a checkpoint of another program).
void require_program(const Metadata& m, const std::string& program);

}  // namespace unroll::io
