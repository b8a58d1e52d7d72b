// The hidden-state page's template, style and script (page.html, page.css, page.js beside this
// header), compiled in by cmake/embed_page.cmake. The template holds the slots @CSS@, @JS@ and
// @DATA@, each exactly once.
#pragma once

#include <string_view>

namespace unroll::charlm::cells_page_assets {

extern const std::string_view kHtml;
extern const std::string_view kCss;
extern const std::string_view kJs;

}  // namespace unroll::charlm::cells_page_assets
