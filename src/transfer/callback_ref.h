/* A client callback as COM requires: kept in the apartment that set it,
 * called from our threads through COM, and never waited for without bound.
 *
 * Setting (bitsdo_callback_ref_create, on the client's thread) registers the
 * interface in the global interface table. Every call is then made on one of
 * a small pool of MTA "caller" threads, which take the interface out of the
 * table: an object that lives in the MTA (or is free-threaded) comes back as
 * itself, one that lives in a single-threaded apartment as a proxy, so the
 * client is called on its own thread, from inside its message loop.
 *
 * When the table refuses the interface (no proxy/stub is registered for its
 * IID, or the object cannot be marshaled), the raw pointer is kept and called
 * from the caller thread directly. That is right for a client in the MTA or
 * a free-threaded object; for a client in an STA it is the old behaviour
 * (called on our thread) until a proxy/stub exists for the interface, at
 * which point the registration succeeds and nothing else changes.
 *
 * Bounded: the thread that delivers (a job's worker) waits for the call at
 * most BITSDO_CALLBACK_TIMEOUT_MS (environment, default 30,000 ms). Past it
 * the call counts as undelivered (RPC_E_TIMEOUT); the caller thread stays
 * with the call until COM returns (an STA that pumps later still gets it;
 * its answer is ignored). While a call to a holder is stuck like that, the
 * next one fails at once instead of queueing behind it, so a client that
 * never pumps costs one thread, not one per event. A call to an apartment
 * that is gone fails with COM's error (RPC_E_DISCONNECTED,
 * CO_E_OBJNOTCONNECTED...), which the facades treat as any failure.
 *
 * Threads: create on the client's thread; everything else from any thread.
 * No lock of ours is held while the client is called. */
#ifndef BITSDO_TRANSFER_CALLBACK_REF_H
#define BITSDO_TRANSFER_CALLBACK_REF_H

#include <windows.h>
#include <unknwn.h>

typedef struct bitsdo_callback_ref bitsdo_callback_ref;

/* Default bound for one call, in ms (BITSDO_CALLBACK_TIMEOUT_MS overrides). */
#define BITSDO_CALLBACK_TIMEOUT_DEFAULT_MS 30000

/* On the setter's thread: a holder for `unk`'s interface `iid` (QueryInterface
 * must give it: E_NOINTERFACE otherwise). One reference for the caller. */
HRESULT bitsdo_callback_ref_create(IUnknown *unk, REFIID iid, bitsdo_callback_ref **out);
/* A holder that creates a new object of `clsid` for every call (on the
 * caller thread, as COM places it), as BITS 1.0's GROUPPROP_NOTIFYCLSID asks. */
HRESULT bitsdo_callback_ref_create_clsid(const CLSID *clsid, REFIID iid, bitsdo_callback_ref **out);
void bitsdo_callback_ref_addref(bitsdo_callback_ref *ref);
/* The last release takes the interface out of the table. */
void bitsdo_callback_ref_release(bitsdo_callback_ref *ref);

/* The interface `iid` as the calling thread may use it (the object itself in
 * the setter's apartment, a proxy elsewhere), for GetNotifyInterface and the
 * like. */
HRESULT bitsdo_callback_ref_get(bitsdo_callback_ref *ref, REFIID iid, void **out);

/* What a call does with the interface: `iface` is the `iid` asked for. */
typedef HRESULT (*bitsdo_callback_fn)(IUnknown *iface, void *arg);

/* Calls fn(interface iid, arg) on a caller thread and waits for it, bounded.
 * `arg` belongs to the call from here on: free_arg(arg) is called once the
 * call is over (perhaps later than the return, on another thread), also when
 * the call is not made. When the call ended in time, everything it held of
 * the client is let go before this returns. Returns fn's result;
 * E_NOINTERFACE when the object lacks `iid`; RPC_E_TIMEOUT when the call
 * did not end in time or an earlier call is still stuck; COM's error when
 * the apartment is gone. `owner` (the job) is for bitsdo_callback_serving. */
HRESULT bitsdo_callback_call(bitsdo_callback_ref *ref, void *owner, REFIID iid, bitsdo_callback_fn fn,
                             void *arg, void (*free_arg)(void *arg));

/* TRUE when the calling thread is running on behalf of a call for `owner`
 * now under way: the caller thread itself (an MTA client's code), or a
 * thread serving a COM call made from inside it (the STA client's thread,
 * or the thread on which an STA client's call back into us runs), as COM's
 * logical thread id (CoGetCurrentLogicalThreadId) follows the call. */
BOOL bitsdo_callback_serving(void *owner);

#endif
