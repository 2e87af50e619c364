/* Error codes and their English descriptions, driven by one X-macro table
 * per family so names, values and texts can never drift apart.
 *
 * X(name, value, text): name is the Windows symbol (BG_E_NOT_FOUND, ...),
 * value its HRESULT, text our own one-sentence description. The enum below
 * gives each a BITSDO_ prefixed constant (BITSDO_BG_E_NOT_FOUND) so the core
 * never needs bitsmsg.h. */
#ifndef BITSDO_CORE_ERRORS_H
#define BITSDO_CORE_ERRORS_H

#include "types.h"

/* The table bodies live in errors_table.h (BITSDO_BG_ERRORS, BITSDO_DO_ERRORS,
 * BITSDO_QM_ERRORS, BITSDO_SYS_ERRORS, BITSDO_CONTEXTS). */
#include "errors_table.h"

enum {
#define BITSDO__ENUM(name, value, text) BITSDO_##name = (bitsdo_hr)(uint32_t)(value),
    BITSDO_BG_ERRORS(BITSDO__ENUM)
    BITSDO_DO_ERRORS(BITSDO__ENUM)
    BITSDO_QM_ERRORS(BITSDO__ENUM)
#undef BITSDO__ENUM
};

/* BG_E_HTTP_ERROR_nnn for an HTTP status code. */
#define BITSDO_HTTP_ERROR(status) BITSDO_HR(0x80190000u | (uint32_t)(status))

/* Symbol for a known code ("BG_E_NOT_FOUND", "ERROR_WINHTTP_TIMEOUT"), or NULL. */
const char *bitsdo_error_name(bitsdo_hr hr);
/* Our English description of a BG_/DO_/QM_ code, or NULL. */
const char *bitsdo_error_text(bitsdo_hr hr);
/* Our English description of a WinHTTP or Winsock error (as
 * HRESULT_FROM_WIN32) for systems that have no text of their own for it
 * (BITSDO_SYS_ERRORS), or NULL. */
const char *bitsdo_sys_error_text(bitsdo_hr hr);
/* Description of a BG_ERROR_CONTEXT value (0..7), or NULL. */
const char *bitsdo_context_text(uint32_t context);
/* 1 for DO_E_* codes that deliveryoptimizationerrors.h marks transient:
 * failures of facility 0xD0 whose code & 0xF800 == 0x3800 (its
 * IS_DO_TRANSIENT_ERROR), e.g. DO_E_BLOCKED_BY_NO_NETWORK; also for such
 * codes not in the table. */
int bitsdo_do_error_is_transient(bitsdo_hr hr);

#endif
