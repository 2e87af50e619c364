# Cross-compiling bitsdo for 32-bit Windows (x86) with Debian's MinGW-w64,
# running the results under Wine: a 64-bit (WoW64) prefix runs them through
# wine32, as 32-bit processes with the 32-bit registry view.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86)
set(BITSDO_TRIPLET i686-w64-mingw32)

set(CMAKE_C_COMPILER ${BITSDO_TRIPLET}-gcc)
set(CMAKE_RC_COMPILER ${BITSDO_TRIPLET}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${BITSDO_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# `wine` starts a 32-bit program with wine32's loader (wine64 could not).
find_program(BITSDO_WINE NAMES wine REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${BITSDO_WINE})
