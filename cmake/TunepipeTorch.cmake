# libtorch comes from the pinned torch wheel in the project's Python environment
# (.venv). We locate it through torch.utils.cmake_prefix_path but build our own
# imported target instead of using TorchConfig.cmake: that config ties the build
# to whatever CUDA toolkit the machine has installed, while the wheel already
# carries its own CUDA runtime. We link only torch_cpu and c10; the model plugin
# loads libtorch_cuda.so from the same folder when a run asks for a GPU.
set(TUNEPIPE_PYTHON "${CMAKE_CURRENT_LIST_DIR}/../.venv/bin/python" CACHE FILEPATH
    "Python of the environment that holds the pinned torch wheel")

if(NOT TARGET tunepipe::torch)
  execute_process(
    COMMAND "${TUNEPIPE_PYTHON}" -c "import torch, os; print(os.path.dirname(torch.__file__)); print(torch.utils.cmake_prefix_path); print(torch.__version__)"
    OUTPUT_VARIABLE _torch_info OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _torch_rc)
  if(NOT _torch_rc EQUAL 0)
    message(FATAL_ERROR "cannot import torch with ${TUNEPIPE_PYTHON}: run scripts/setup.sh first (or set TUNEPIPE_PYTHON)")
  endif()
  string(REPLACE "\n" ";" _torch_info "${_torch_info}")
  list(GET _torch_info 0 TUNEPIPE_TORCH_ROOT)
  list(GET _torch_info 1 TUNEPIPE_TORCH_CMAKE_PREFIX)
  list(GET _torch_info 2 TUNEPIPE_TORCH_VERSION)
  if(NOT EXISTS "${TUNEPIPE_TORCH_CMAKE_PREFIX}/Torch/TorchConfig.cmake")
    message(FATAL_ERROR "no TorchConfig.cmake under ${TUNEPIPE_TORCH_CMAKE_PREFIX}")
  endif()
  message(STATUS "libtorch ${TUNEPIPE_TORCH_VERSION} from ${TUNEPIPE_TORCH_ROOT}")

  # The plugin fingerprint needs only libtorch's version header. It is named by
  # path rather than by adding torch's include folder, which bundles its own fmt
  # headers that would shadow the system fmt for code that does not use torch.
  set(TUNEPIPE_TORCH_VERSION_HEADER "${TUNEPIPE_TORCH_ROOT}/include/torch/headeronly/version.h")
  add_library(tunepipe_torch_version INTERFACE)
  target_compile_definitions(tunepipe_torch_version INTERFACE
      TUNEPIPE_TORCH_VERSION_HEADER="${TUNEPIPE_TORCH_VERSION_HEADER}")
  add_library(tunepipe::torch_version ALIAS tunepipe_torch_version)

  # -idirafter puts torch's headers after the system ones, so <fmt/…> stays the
  # system fmt the rest of the project links (torch's bundled copy is only
  # used by GPU-tuning headers we do not include).
  add_library(tunepipe_torch INTERFACE)
  target_compile_options(tunepipe_torch INTERFACE
      "SHELL:-idirafter ${TUNEPIPE_TORCH_ROOT}/include"
      "SHELL:-idirafter ${TUNEPIPE_TORCH_ROOT}/include/torch/csrc/api/include")
  target_link_libraries(tunepipe_torch INTERFACE tunepipe_torch_version
      "-Wl,--no-as-needed"
      "${TUNEPIPE_TORCH_ROOT}/lib/libtorch_cpu.so"
      "${TUNEPIPE_TORCH_ROOT}/lib/libc10.so"
      "-Wl,--as-needed"
      "-Wl,-rpath,${TUNEPIPE_TORCH_ROOT}/lib")
  add_library(tunepipe::torch ALIAS tunepipe_torch)

  # The OpenMP runtime libtorch itself loads, for code compiled with -fopenmp:
  # one thread pool, never a second libgomp.
  # Absent (a wheel built without it): such code runs on one thread.
  add_library(tunepipe_torch_openmp INTERFACE)
  if(EXISTS "${TUNEPIPE_TORCH_ROOT}/lib/libgomp.so.1")
    target_compile_options(tunepipe_torch_openmp INTERFACE -fopenmp)
    target_link_libraries(tunepipe_torch_openmp INTERFACE "${TUNEPIPE_TORCH_ROOT}/lib/libgomp.so.1")
  endif()
  add_library(tunepipe::torch_openmp ALIAS tunepipe_torch_openmp)
endif()
