// The training state file beside a checkpoint, and reading its metadata with clear errors.
#pragma once

#include <cstdint>
#include <string>

#include "framework/io/safetensors.hpp"

namespace unroll::training {

// "run.safetensors" → "run.train.safetensors": where the training state of a checkpoint lives.
std::string training_state_path(const std::string& checkpoint);
// "run.safetensors" → "run.best.safetensors": the checkpoint of the best validation loss.
std::string best_checkpoint_path(const std::string& checkpoint);

// The metadata value `key` as a count or a number; ValueError naming the file and the key when
// it is missing or malformed.
std::uint64_t read_count(const io::SafetensorsFile& state, const std::string& key,
                         const std::string& path);
double read_number(const io::SafetensorsFile& state, const std::string& key,
                   const std::string& path);

// ValueError "training state 'P' was made with KEY V; this run uses E — resume with the same
// settings" unless metadata KEY is `expected`. A missing key reads as `if_absent` (states written
// before the setting existed), or fails when that is empty.
void require_setting(const io::SafetensorsFile& state, const std::string& path,
                     const std::string& key, const std::string& expected,
                     const std::string& if_absent = "");

}  // namespace unroll::training
