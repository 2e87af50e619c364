# Cross-compiling bitsdo for 64-bit Windows with Debian's MinGW-w64, running
# the results under Wine.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(BITSDO_TRIPLET x86_64-w64-mingw32)

set(CMAKE_C_COMPILER ${BITSDO_TRIPLET}-gcc)
set(CMAKE_RC_COMPILER ${BITSDO_TRIPLET}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${BITSDO_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

find_program(BITSDO_WINE NAMES wine wine64 REQUIRED)
# tools/wine-run.sh runs the program under ${BITSDO_WINE} so that a host it
# starts does not hold ctest's output open (see the script).
set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CURRENT_LIST_DIR}/../wine-run.sh)
