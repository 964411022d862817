# tunepipe_add_plugin(<kind>-<name> SOURCES ...)
# Builds libtunepipe-<kind>-<name>.so against tunepipe::sdk (and fmt::fmt when
# the project has found fmt). In the project's own
# build it lands in the build's plugin folder; out of tree, where
# TUNEPIPE_PLUGIN_OUTPUT_DIR says (default: the current binary dir).
function(tunepipe_add_plugin id)
  cmake_parse_arguments(PLUGIN "" "" "SOURCES;LIBRARIES" ${ARGN})
  set(target "tunepipe-${id}")
  add_library(${target} MODULE ${PLUGIN_SOURCES})
  target_link_libraries(${target} PRIVATE tunepipe::sdk ${PLUGIN_LIBRARIES})
  if(TARGET fmt::fmt)
    target_link_libraries(${target} PRIVATE fmt::fmt)
  endif()
  target_compile_features(${target} PRIVATE cxx_std_20)
  # A plugin that forgets a library should fail to link, not to load.
  target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  set_target_properties(${target} PROPERTIES
      PREFIX "lib"
      CXX_VISIBILITY_PRESET hidden
      VISIBILITY_INLINES_HIDDEN ON)
  if(TUNEPIPE_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${TUNEPIPE_PLUGIN_OUTPUT_DIR}")
  endif()
  if(COMMAND tunepipe_install_plugin)
    tunepipe_install_plugin(${target})
  endif()
endfunction()
