# `cmake --install`: skiff's public surface, a CMake package and a pkg-config
# file; `cpack -G DEB`: a Debian package of all of it (docs/bring-your-own.md).
#
# Installed (PREFIX/...):
#   bin/skiff                          the command, with the built-in protocols
#   include/skiff/{checker,protocols,invariants,fuzz}/*.hpp
#                                      the protocol contract, invariants, budgets,
#                                      drivers, command line and test API
#   lib/libskiff_core.a, libskiff_cli.a
#   lib/cmake/skiff/                   find_package(skiff CONFIG): skiff::core,
#                                      skiff::cli, skiff::testing, skiff::skiff
#                                      and skiff_add_command / skiff_add_fuzz_target
#   lib/pkgconfig/skiff.pc
#   share/skiff/fuzz/                  what skiff_add_fuzz_target compiles
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(skiff_core PROPERTIES EXPORT_NAME core)
set_target_properties(skiff_cli PROPERTIES EXPORT_NAME cli)
set_target_properties(skiff_testing PROPERTIES EXPORT_NAME testing)

set(skiff_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/skiff)
install(TARGETS skiff_core skiff_cli skiff_testing skiff EXPORT skiffTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT skiffTargets NAMESPACE skiff:: DESTINATION ${skiff_cmake_dir})

# The headers: the engine's, generic and protocol-neutral; not the built-in
# protocols' own (protocols/raft, ...), which are not part of the surface.
install(DIRECTORY checker/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/skiff/checker FILES_MATCHING PATTERN "*.hpp")
install(FILES protocols/protocol.hpp protocols/state_encoder.hpp protocols/library_call.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/skiff/protocols)
install(FILES invariants/invariant.hpp invariants/node_survives.hpp invariants/library_survives.hpp
              invariants/rule_support.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/skiff/invariants)
install(FILES fuzz/protocol_target.hpp fuzz/state_feedback.hpp fuzz/variant_list.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/skiff/fuzz)
install(FILES fuzz/state_feedback.cpp fuzz/standalone_main.cpp DESTINATION ${CMAKE_INSTALL_DATADIR}/skiff/fuzz)

configure_package_config_file(cmake/skiffConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/skiffConfig.cmake
                              INSTALL_DESTINATION ${skiff_cmake_dir})
# 0.x: a minor version may break the API (docs/bring-your-own.md, "What is stable").
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/skiffConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/skiffConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/skiffConfigVersion.cmake
              cmake/skiffFunctions.cmake
        DESTINATION ${skiff_cmake_dir})

# No path of this machine in what is installed: the linker finds libraft's
# static library (-l:libraft.a, as find_library(NAMES libraft.a) does), libuv
# and liblz4 where skiff is used.
set(SKIFF_PC_LIBS "")
if(SKIFF_HAVE_LIBRAFT)
  set(SKIFF_PC_LIBS "-l:libraft.a -luv -llz4")
endif()
configure_file(cmake/skiff.pc.in ${CMAKE_CURRENT_BINARY_DIR}/skiff.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/skiff.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# cpack -G DEB (from the build folder): skiff_VERSION_ARCH.deb.
set(CPACK_PACKAGE_NAME skiff)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "skiff maintainers <skiff@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "deterministic fuzzing and model checking of consensus protocols")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# What a user's build needs to compile against the headers and the library.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libfmt-dev, nlohmann-json3-dev, libcli11-dev, libboost-dev, cmake (>= 3.22), g++ | clang")
if(SKIFF_HAVE_LIBRAFT)
  string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", libraft-dev, libuv1-dev, liblz4-dev")
endif()
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
include(CPack)
