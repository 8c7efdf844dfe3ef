// Where skiff writes what the user did not name a place for.
#pragma once

namespace skiff {

// The default of every --out (explore, check, simulate), and the folder
// scripts/fuzz and scripts/demo write into: one folder, relative to the
// working directory, ignored by git (.gitignore), named in what skiff prints
// (each trace's path starts with it). scripts/fuzz spells it out again.
inline constexpr const char* kDefaultOutDir = "skiff-out";

}  // namespace skiff
