# The installed library: `cmake --install build --prefix P` puts the headers under P/include
# (framework/…, layers/…, models/…, as included here), the static libraries under P/lib and the
# CMake package under P/lib/cmake/unroll, so that a project outside this tree does
#   find_package(unroll CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE unroll::unroll)   # or unroll::framework, ::layers, ::models
# (examples/consumer; `make consumer` builds it against a fresh install). The programs install
# themselves (examples/CMakeLists.txt); benchmarks and tests are not installed.
include(CMakePackageConfigHelpers)

# unroll::unroll, everything in one name.
add_library(unroll INTERFACE)
target_link_libraries(unroll INTERFACE unroll_framework unroll_layers unroll_models)

set_target_properties(unroll_options PROPERTIES EXPORT_NAME options)
set_target_properties(unroll_framework PROPERTIES EXPORT_NAME framework)
set_target_properties(unroll_layers PROPERTIES EXPORT_NAME layers)
set_target_properties(unroll_models PROPERTIES EXPORT_NAME models)
install(TARGETS unroll unroll_options unroll_framework unroll_layers unroll_models
        EXPORT unrollTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY framework layers models DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(unroll_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/unroll)
install(EXPORT unrollTargets NAMESPACE unroll:: DESTINATION ${unroll_cmake_dir})
configure_package_config_file(cmake/unrollConfig.cmake.in
  ${PROJECT_BINARY_DIR}/unrollConfig.cmake INSTALL_DESTINATION ${unroll_cmake_dir})
# 0.x: a minor version may change the API, so only the same MAJOR.MINOR satisfies a request.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/unrollConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/unrollConfig.cmake ${PROJECT_BINARY_DIR}/unrollConfigVersion.cmake
        DESTINATION ${unroll_cmake_dir})
