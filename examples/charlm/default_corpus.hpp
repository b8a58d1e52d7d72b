// The text `charlm train` learns when given no --data: unroll's own documentation and source,
// embedded in the binary at build time (so it is present in every checkout and every build).
#pragma once

#include <string_view>

namespace unroll {
std::string_view default_corpus();
}
