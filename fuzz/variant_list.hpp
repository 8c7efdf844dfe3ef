// SKIFF_VARIANTS' list of protocol variants, as a fuzz target and
// scripts/fuzz read it (docs/fuzzing.md): comma-separated variant specs, the
// same as `--variant` takes ("pre-vote,check-quorum,passive=2"). A spec that
// names nodes takes a comma list of its own ("passive=2,3"), so a piece that
// is only digits continues the spec before it when that spec has an '=':
// "passive=2,3,pre-vote" is {"passive=2,3", "pre-vote"}. Empty pieces are
// skipped. Header-only and free of skiff's other headers, so that tests can
// include it.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace skiff::fuzz {

inline std::vector<std::string> split_variant_list(std::string_view text) {
  std::vector<std::string> specs;
  while (!text.empty()) {
    const std::string_view piece = text.substr(0, text.find(','));
    text.remove_prefix(std::min(text.size(), piece.size() + 1));
    if (piece.empty()) continue;
    const bool digits = piece.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits && !specs.empty() && specs.back().find('=') != std::string::npos)
      specs.back().append(",").append(piece);
    else
      specs.emplace_back(piece);
  }
  return specs;
}

}  // namespace skiff::fuzz
