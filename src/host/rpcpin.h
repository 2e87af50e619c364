/* Keeps the host's RPC interfaces registered for its whole life (a
 * workaround for a Wine race, see rpcpin.c). */
#ifndef BITSDO_HOST_RPCPIN_H
#define BITSDO_HOST_RPCPIN_H

#include <windows.h>

/* Marshals one inert object, table-strong, for every interface the host's
 * objects expose, from the calling thread's apartment (the host's MTA).
 * Best effort: an interface that cannot be pinned is skipped. The pins
 * last as long as the process. */
void bitsdo_rpcpin_start(void);

#endif
