// libFuzzer target for the text pipeline of models/text: a file read as a corpus
// (read_text_file), split into training and validation (split_corpus), its vocabulary, and the
// windows StreamBatcher cuts from its ids. The input's last bytes choose the validation fraction
// (in [0, 1] or any double, NaN included), the batch and window sizes and the seed
// (FuzzedDataProvider takes numbers from the end); the rest is the file. Each function either
// refuses with the ValueError it documents, or gives what its header says: the decoded text, a
// split at ⌊f·N⌋, a vocabulary that encodes and decodes the text and survives its JSON, windows at
// the offsets batches.hpp gives. Anything else — another exception, a crash, a sanitizer report —
// is a finding.
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

#include "framework/errors.hpp"
#include "models/text/batches.hpp"
#include "models/text/corpus.hpp"
#include "models/text/utf8.hpp"
#include "models/text/vocabulary.hpp"

using namespace unroll;

namespace {

// A file in memory for the whole run (a file on disk rewritten 300 times a second would have
// the fuzzer wait for the disk), refilled with every input; read through /proc/self/fd.
const std::string& write_scratch_file(const std::string& bytes) {
  static const int fd = ::memfd_create("fuzz_corpus", 0);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0 || ::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size()))
    std::abort();
  return path;
}

bool is_utf8(const std::string& bytes) {
  try {
    decode_utf8(bytes);
    return true;
  } catch (const ValueError&) {
    return false;
  }
}

// read_text_file gives decode_utf8 of the bytes, or refuses an empty or invalid file.
std::u32string read(const std::string& bytes) {
  std::u32string text;
  try {
    text = read_text_file(write_scratch_file(bytes));
  } catch (const ValueError&) {
    if (!bytes.empty() && is_utf8(bytes)) std::abort();  // text, yet refused
    return {};
  }
  if (bytes.empty() || text != decode_utf8(bytes)) std::abort();
  return text;
}

void check_split(const std::u32string& text, double fraction) {
  Corpus c;
  try {
    c = split_corpus(text, fraction);
  } catch (const ValueError&) {
    if (fraction >= 0.0 && fraction < 1.0) std::abort();
    return;
  }
  if (!(fraction >= 0.0 && fraction < 1.0)) std::abort();
  const auto n_val = static_cast<std::size_t>(fraction * static_cast<double>(text.size()));
  if (c.validation.size() != n_val || c.train + c.validation != text) std::abort();
}

std::vector<std::int64_t> check_vocabulary(const std::u32string& text) {
  const Vocabulary v = Vocabulary::from_text(text);
  for (std::size_t i = 1; i < v.size(); ++i)
    if (!(v.symbols()[i - 1] < v.symbols()[i])) std::abort();
  const auto ids = v.encode(text, "fuzz input");
  if (v.decode(ids) != encode_utf8(text)) std::abort();
  if (Vocabulary::from_json(v.to_json()).symbols() != v.symbols()) std::abort();
  return ids;
}

// `b` is window w of the first epoch: row s holds ids[s·L + w·T ..][0, T) and the targets one
// further, L = ⌊(N − 1) / B⌋; `shifted` (a later epoch, a random window), only rows whose targets
// are their inputs one step on.
void check_window(const Batch& b, const std::vector<std::int64_t>& ids, std::size_t length,
                  std::size_t w, bool shifted) {
  if (b.starts_epoch != (w == 0)) std::abort();
  for (std::size_t s = 0; s < b.inputs.shape(0); ++s)
    for (std::size_t t = 0; t < b.inputs.shape(1); ++t) {
      const std::size_t at = s * length + w * b.inputs.shape(1) + t;
      if (!shifted && (b.inputs(s, t) != ids[at] || b.targets(s, t) != ids[at + 1])) std::abort();
      if (t + 1 < b.inputs.shape(1) && b.targets(s, t) != b.inputs(s, t + 1)) std::abort();
    }
}

// Accepted exactly when B ≥ 1, T ≥ 1 and B·(T + 1) ≤ N; then an epoch is ⌊L / T⌋ windows, the
// first two and the last as check_window says, and after the last comes a new epoch.
void check_batches(const std::vector<std::int64_t>& ids, std::size_t batch, std::size_t steps,
                   bool random_offsets, std::uint64_t seed) {
  using u128 = unsigned __int128;
  const u128 needed = u128{batch} * (u128{steps} + 1);
  const bool fits = batch >= 1 && steps >= 1 && needed <= ids.size();
  std::optional<StreamBatcher> batcher;
  try {
    batcher.emplace(ids, batch, steps, random_offsets, seed);
  } catch (const ValueError&) {
    if (fits) std::abort();
    return;
  }
  if (!fits) std::abort();
  const std::size_t length = (ids.size() - 1) / batch, windows = length / steps;
  if (batcher->windows_per_epoch() != windows) std::abort();
  Batch b;
  for (std::size_t w : {std::size_t{0}, std::min<std::size_t>(1, windows - 1), windows - 1}) {
    batcher->seek({0, w});
    batcher->next(b);
    check_window(b, ids, length, w, false);
  }
  batcher->next(b);  // after the last window: the next epoch's first
  check_window(b, ids, length, 0, random_offsets);
  try {
    batcher->seek({0, windows});
    std::abort();
  } catch (const ValueError&) {
  }
  batcher->random_windows(seed, b);
  check_window(b, ids, length, 0, true);
}

// Small sizes mostly; any 64-bit size now and then (for the products that could overflow).
std::size_t size_from(FuzzedDataProvider& in, std::size_t usual_max) {
  return in.ConsumeBool() ? in.ConsumeIntegral<std::size_t>()
                          : in.ConsumeIntegralInRange<std::size_t>(0, usual_max);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const double fraction = in.ConsumeBool()
                              ? std::bit_cast<double>(in.ConsumeIntegral<std::uint64_t>())
                              : in.ConsumeProbability<double>();
  const std::size_t batch = size_from(in, 8), steps = size_from(in, 32);
  const bool random_offsets = in.ConsumeBool();
  const std::uint64_t seed = in.ConsumeIntegral<std::uint64_t>();
  const std::u32string text = read(in.ConsumeRemainingBytesAsString());
  if (text.empty()) return 0;
  check_split(text, fraction);
  check_batches(check_vocabulary(text), batch, steps, random_offsets, seed);
  return 0;
}
