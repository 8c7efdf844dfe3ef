#!/bin/bash -eu
# Builds skiff's fuzz targets the way OSS-Fuzz and ClusterFuzzLite call a
# project's build.sh (.clusterfuzzlite/build.sh runs this one): with their
# compilers and flags in $CC $CXX $CFLAGS $CXXFLAGS, the fuzzing engine's link
# flags in $LIB_FUZZING_ENGINE, and $OUT for what it produces:
#   $OUT/TARGET                   one binary per target (fuzz/targets.txt in the build)
#   $OUT/TARGET_seed_corpus.zip   its seed inputs (corpus/..., flat)
# $WORK (optional) holds the CMake build; default build/oss-fuzz.
# Only the fuzz targets are built. With -stdlib=libc++ in $CXXFLAGS (OSS-Fuzz's
# default), fmt is used header-only, as the system's libfmt is built for
# libstdc++. Run by hand (docs/fuzzing.md):
#   CC=clang-14 CXX=clang++-14 CFLAGS=... CXXFLAGS=... LIB_FUZZING_ENGINE=-fsanitize=fuzzer OUT=/tmp/out fuzz/build.sh
root="$(cd "$(dirname "$0")/.." && pwd)"
: "${CC:=clang}" "${CXX:=clang++}" "${CFLAGS:=}" "${CXXFLAGS:=}"
: "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}"
: "${OUT:?set OUT to the folder for the fuzz targets}"
build="${WORK:-$root/build/oss-fuzz}/skiff-fuzz"

# skiff's own CI (scripts/test) also sets SKIFF_FUZZ_BUILD_TESTS=1: the same
# build then holds skiff and its tests, which CI runs under these sanitizers,
# so skiff is compiled once for both; SKIFF_FUZZ_CMAKE_ARGS adds cmake
# arguments (CI: -DSKIFF_REFERENCE_BINARY=..., for the determinism test).
with_tests=OFF
targets=(skiff_fuzz_targets)
if [ "${SKIFF_FUZZ_BUILD_TESTS:-0}" = 1 ]; then
  with_tests=ON
  targets+=(skiff skiff_tests)
fi
read -ra more_cmake_args <<<"${SKIFF_FUZZ_CMAKE_ARGS:-}"

header_only=OFF
[[ " $CXXFLAGS " == *" -stdlib=libc++ "* ]] && header_only=ON
# The libraft target (only where libraft-dev is installed; CMakeLists.txt
# finds it) links libuv and lz4 statically when their static libraries are
# there, so the binaries in $OUT run where those packages are not installed
# (OSS-Fuzz's runner image).
static_libs=()
for pair in LIBUV:libuv_a.a LIBUV:libuv.a LZ4:liblz4.a; do
  var="SKIFF_${pair%%:*}_LIBRARY"
  for dir in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib /usr/local/lib; do
    if [ -f "$dir/${pair#*:}" ] && [[ " ${static_libs[*]-} " != *" -D$var="* ]]; then
      static_libs+=("-D$var=$dir/${pair#*:}")
    fi
  done
done
generator="Unix Makefiles"
command -v ninja >/dev/null && generator=Ninja
cmake -S "$root" -B "$build" -G "$generator" \
  -DCMAKE_BUILD_TYPE=OssFuzz \
  -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DSKIFF_FUZZ=ON -DSKIFF_TESTS="$with_tests" -DSKIFF_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DSKIFF_FMT_HEADER_ONLY="$header_only" "${static_libs[@]}" "${more_cmake_args[@]}" >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target "${targets[@]}"

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
# targets.txt: one line per target, "NAME KIND SEED_DIR;SEED_DIR..."
while read -r name kind seed_dirs; do
  [ -n "$name" ] || continue
  cp "$build/fuzz/$name" "$OUT/$name"
  zip="$OUT/${name}_seed_corpus.zip"
  rm -f "$zip"
  files=()
  IFS=';' read -ra dirs <<<"$seed_dirs"
  for d in "${dirs[@]}"; do
    [ -d "$root/$d" ] || continue
    for f in "$root/$d"/*; do [ -f "$f" ] && files+=("$f"); done
  done
  if [ ${#files[@]} -gt 0 ]; then
    # Flat (libFuzzer does not care about names; numbered, as two folders may
    # share one), with CMake's own zip writer, so no zip tool is needed.
    staging="$build/seeds-$name"
    rm -rf "$staging" && mkdir -p "$staging"
    i=0
    for f in "${files[@]}"; do cp "$f" "$staging/$(printf %04d $i)-$(basename "$f")"; i=$((i + 1)); done
    (cd "$staging" && cmake -E tar cf "$zip" --format=zip -- *)
  fi
  echo "fuzz/build.sh: $OUT/$name ($kind, ${#files[@]} seed inputs)"
done <"$build/fuzz/targets.txt"
cp "$build/fuzz/targets.txt" "$OUT/skiff-fuzz-targets.txt"  # for scripts/fuzz (SKIFF_FUZZ_TARGETS)
