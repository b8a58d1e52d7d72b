#include <a//b.h>
#define TWO \
  2 // two \
still comment
/* block */ int x1 = 1'000'000 + 0x1Fp-3 + .5f;
auto r = u8R"x(a)" // ")x"; char c = '\''; const char* s = "a\"b // no";
