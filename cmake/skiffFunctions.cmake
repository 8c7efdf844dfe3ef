# CMake functions for a project that puts its own protocol under skiff
# (docs/bring-your-own.md). Both generate a small C++ file that names the
# protocols and their invariants, and build it with the user's sources.
#
#   skiff_add_command(NAME
#     HEADERS   header.hpp ...            declare the protocol and invariant types
#     PROTOCOL  ns::Protocol ...          one or more protocol types (protocol.hpp)
#     INVARIANTS ns::Invariants ...       the InvariantSet of each, in the same order
#     [SOURCES  file.cpp ...] [LIBRARIES target ...])
# builds the executable NAME: skiff's command line (list, explore, check,
# replay, shrink, simulate; same flags, exit statuses and trace format) for
# those protocols only; its reproduce commands start with NAME.
#
#   skiff_add_fuzz_target(NAME HEADERS ... PROTOCOL ns::Protocol INVARIANTS ns::Invariants
#     [COMMAND name] [SOURCES ...] [LIBRARIES ...])
# builds the libFuzzer target NAME (docs/fuzzing.md: the input's bytes are
# the run's choices; SKIFF_NODES, SKIFF_BUGS, ... configure it). COMMAND: the
# skiff_add_command executable its crash message tells you to turn a crash
# input into a trace with (default: skiff). With Clang it compiles the target
# and its SOURCES with SKIFF_FUZZ_INSTRUMENT (default -fsanitize=fuzzer-no-link:
# libFuzzer's coverage of your protocol; skiff's own library needs none) and
# links SKIFF_FUZZ_ENGINE (default -fsanitize=fuzzer); code of yours in
# LIBRARIES needs -fsanitize=fuzzer-no-link itself. With another compiler it
# links a main() that runs each input file named on its command line once.

function(_skiff_generated_includes out headers)
  set(text "")
  foreach(header IN LISTS headers)
    get_filename_component(absolute "${header}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    string(APPEND text "#include \"${absolute}\"\n")
  endforeach()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(skiff_add_command name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "HEADERS;PROTOCOL;INVARIANTS;SOURCES;LIBRARIES")
  list(LENGTH arg_PROTOCOL protocol_count)
  list(LENGTH arg_INVARIANTS invariants_count)
  if(protocol_count EQUAL 0 OR NOT protocol_count EQUAL invariants_count)
    message(FATAL_ERROR "skiff_add_command(${name}): one INVARIANTS type for each PROTOCOL type")
  endif()
  _skiff_generated_includes(text "${arg_HEADERS}")
  string(APPEND text "#include <skiff/checker/command_line.hpp>\n\nnamespace {\n")
  set(pointers "")
  math(EXPR last "${protocol_count} - 1")
  foreach(i RANGE ${last})
    list(GET arg_PROTOCOL ${i} protocol)
    list(GET arg_INVARIANTS ${i} invariants)
    string(APPEND text "const skiff::ProtocolDriverFor<${protocol}, ${invariants}> driver_${i};\n")
    string(APPEND pointers "&driver_${i}, ")
  endforeach()
  string(APPEND text "const skiff::ProtocolDriver* const protocols[] = {${pointers}};\n}  // namespace\n\n"
         "int main(int argc, char** argv) { return skiff::command_line_main(argc, argv, protocols, \"${name}\"); }\n")
  set(main "${CMAKE_CURRENT_BINARY_DIR}/skiff_command_${name}.cpp")
  file(GENERATE OUTPUT "${main}" CONTENT "${text}")
  add_executable(${name} "${main}" ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE skiff::cli ${arg_LIBRARIES})
  target_compile_features(${name} PRIVATE cxx_std_20)
endfunction()

set(SKIFF_FUZZ_ENGINE "-fsanitize=fuzzer" CACHE STRING "link flags of a skiff fuzz target built with Clang")
set(SKIFF_FUZZ_INSTRUMENT "-fsanitize=fuzzer-no-link" CACHE STRING
    "compile flags of a skiff fuzz target's own sources built with Clang (libFuzzer's coverage)")

function(skiff_add_fuzz_target name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "PROTOCOL;INVARIANTS;COMMAND" "HEADERS;SOURCES;LIBRARIES")
  if(NOT arg_PROTOCOL OR NOT arg_INVARIANTS)
    message(FATAL_ERROR "skiff_add_fuzz_target(${name}): PROTOCOL and INVARIANTS are required")
  endif()
  _skiff_generated_includes(text "${arg_HEADERS}")
  if(arg_COMMAND)
    string(APPEND text "#define SKIFF_FUZZ_COMMAND \"${arg_COMMAND}\"\n")
  endif()
  string(APPEND text "#include <skiff/fuzz/protocol_target.hpp>\n\n"
         "SKIFF_PROTOCOL_FUZZ_TARGET(${arg_PROTOCOL}, ${arg_INVARIANTS})\n")
  set(target_source "${CMAKE_CURRENT_BINARY_DIR}/skiff_fuzz_${name}.cpp")
  file(GENERATE OUTPUT "${target_source}" CONTENT "${text}")
  add_executable(${name} "${target_source}" "${SKIFF_FUZZ_SOURCE_DIR}/state_feedback.cpp" ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE skiff::core ${arg_LIBRARIES})
  target_compile_features(${name} PRIVATE cxx_std_20)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    separate_arguments(instrument UNIX_COMMAND "${SKIFF_FUZZ_INSTRUMENT}")
    separate_arguments(engine UNIX_COMMAND "${SKIFF_FUZZ_ENGINE}")
    target_compile_options(${name} PRIVATE ${instrument})
    target_link_options(${name} PRIVATE ${engine})
  else()
    target_sources(${name} PRIVATE "${SKIFF_FUZZ_SOURCE_DIR}/standalone_main.cpp")
  endif()
endfunction()
