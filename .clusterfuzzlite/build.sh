#!/bin/bash -eu
# ClusterFuzzLite (and OSS-Fuzz) run this in the build image with $CC $CXX
# $CFLAGS $CXXFLAGS $LIB_FUZZING_ENGINE $OUT set; fuzz/build.sh does the work.
"$SRC/skiff/fuzz/build.sh"
