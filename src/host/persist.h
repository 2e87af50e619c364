/* The host's jobs in the per-user store (docs/hosting.md, section 6). */
#ifndef BITSDO_HOST_PERSIST_H
#define BITSDO_HOST_PERSIST_H

#include <windows.h>

/* Opens the store (BITSDO_STORE_DIR or %LOCALAPPDATA%\bitsdo\jobs), puts
 * every stored job back into the engine (active ones resume), sets the
 * engine's hooks and starts the writer thread. A bad record is set aside
 * by the store and does not stop the others. */
HRESULT bitsdo_persist_start(void);
/* Writes what changed since the last pass, then stops the writer. */
void bitsdo_persist_stop(void);

#endif
