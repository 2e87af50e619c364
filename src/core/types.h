/* bitsdo core: basic types shared by every portable module.
 *
 * The core is portable C11: no COM, no Win32 I/O. It builds with MinGW-w64
 * for the DLL and with the host compiler for sanitizer and fuzz runs.
 */
#ifndef BITSDO_CORE_TYPES_H
#define BITSDO_CORE_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* One UTF-16 code unit: the same representation as WCHAR on Windows, so
 * COM code passes WCHAR strings with a cast; host tests use u"" literals. */
typedef uint16_t bitsdo_wchar;

/* An HRESULT, kept as a plain 32-bit value so the core needs no windows.h. */
typedef int32_t bitsdo_hr;

#define BITSDO_SIZE_UNKNOWN UINT64_MAX

#define BITSDO_HR(v) ((bitsdo_hr)(uint32_t)(v))
#define BITSDO_FAILED(hr) ((hr) < 0)

/* Common HRESULTs the core returns (values are the Windows ones). */
#define BITSDO_S_OK         BITSDO_HR(0x00000000)
#define BITSDO_S_FALSE      BITSDO_HR(0x00000001)
#define BITSDO_E_NOTIMPL    BITSDO_HR(0x80004001)
#define BITSDO_E_POINTER    BITSDO_HR(0x80004003)
#define BITSDO_E_FAIL       BITSDO_HR(0x80004005)
#define BITSDO_E_OUTOFMEMORY BITSDO_HR(0x8007000E)
#define BITSDO_E_INVALIDARG BITSDO_HR(0x80070057)

/* A point in time as a Windows FILETIME: 100 ns units since 1601-01-01 UTC. */
typedef uint64_t bitsdo_filetime;

#endif
