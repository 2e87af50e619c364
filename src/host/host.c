/* The per-user job host (docs/hosting.md, sections 2 and 3): the body of
 * bitsdo-host.exe, which only loads bitsdo.dll and calls this, so that the
 * host has one copy of the engine, the DLL's.
 *
 * Exactly one host runs per user: it holds the named mutex
 * "Local\bitsdo-<SID>-host-lock" for its whole life, and a second host that
 * cannot take it exits at once (code 0; whoever started it then finds the
 * first one). Holding the lock, the host
 *   1. turns host mode on: from now on the public classes make real
 *      managers in this process (server.c) instead of connecting to a host;
 *      and puts the stored jobs back (persist.c), active ones resuming;
 *   2. registers their class objects with COM (CLSCTX_LOCAL_SERVER,
 *      REGCLS_MULTIPLEUSE), the door through rpcss;
 *   3. publishes the same class objects, marshaled MSHLFLAGS_TABLESTRONG,
 *      in the info mapping (hostinfo.h), then sets the ready event: the
 *      door the DLL's connector uses (connect.c), which needs no rpcss;
 *   4. beats a heartbeat into the info every 250 ms, and leaves when it is
 *      idle (no object a client holds, no job that can make progress) for
 *      BITSDO_HOST_IDLE_MS (default 30 s) or when asked to stop
 *      ("bitsdo-host.exe -Stop" sets the named stop event).
 * On the way out it marks the info EXITING before it revokes anything, so
 * a connector that reads it starts a new host instead of using this one. */
#include "objects.h"
#include "hostinfo.h"
#include "persist.h"
#include "rpcpin.h"
#include "progmap.h"
#include "takeover.h"

#include <stdio.h>
#include <stdlib.h>

#define HEARTBEAT_MS 250
#define DEFAULT_IDLE_MS 30000
#define STOP_WAIT_MS 30000
/* Between closing the door of an idle host and leaving: longer than a
 * connector takes from reading READY to holding an object (connect.c). */
#define EXIT_GRACE_MS 500

static volatile LONG host_mode;
/* The progress mapping (docs/hosting.md, section 5): created once per host
 * process and never unmapped or closed, because workers may publish into
 * it until the process exits and a client that still maps it must be able
 * to open it by name meanwhile (a view alone does not keep the name). */
static HANDLE progress_mapping;
static bitsdo_progmap *progress_map;

/* Creates the mapping of this generation and turns the engine's slot
 * writes on. Without it the host still works: objects then marshal with
 * standard marshaling only. */
static void progress_start(uint64_t generation)
{
    WCHAR name[256];
    HANDLE mapping;
    bitsdo_progmap *map;

    if (progress_map || !bitsdo_host_progress_name(generation, name, ARRAYSIZE(name)))
        return;
    if (!(mapping = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0,
                                       sizeof(bitsdo_progmap), name)))
        return;
    if (GetLastError() == ERROR_ALREADY_EXISTS ||
        !(map = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, sizeof(bitsdo_progmap)))) {
        CloseHandle(mapping);
        return;
    }
    bitsdo_progmap_init(map, GetCurrentProcessId(), generation, GetTickCount64());
    if (!bitsdo_publish_start(map, BITSDO_PROGMAP_SLOTS)) {
        UnmapViewOfFile(map);
        CloseHandle(mapping);
        return;
    }
    progress_mapping = mapping;
    progress_map = map;
}

/* The host generation and its progress mapping, for the job objects'
 * custom marshaling (marshal_host.c): FALSE when there is no mapping. */
BOOL bitsdo_host_progress(uint64_t *generation)
{
    if (!bitsdo_host_mode() || !progress_map)
        return FALSE;
    *generation = progress_map->header.generation;
    return TRUE;
}

BOOL bitsdo_host_mode(void)
{
    return bitsdo__read_long(&host_mode) != 0;
}

static void info_write_begin(bitsdo_host_info *info)
{
    InterlockedIncrement(&info->seq); /* odd: readers retry */
}

static void info_write_end(bitsdo_host_info *info)
{
    InterlockedIncrement(&info->seq); /* even again */
}

static DWORD env_ms(const WCHAR *name, DWORD fallback)
{
    WCHAR buf[32];
    DWORD n = GetEnvironmentVariableW(name, buf, ARRAYSIZE(buf));

    return n && n < ARRAYSIZE(buf) ? wcstoul(buf, NULL, 10) : fallback;
}

/* The public classes the host serves. */
static const struct host_class {
    const CLSID *clsid;
    bitsdo_constructor create;
} host_classes[BITSDO_HOST_CLASSES] = {
    {&CLSID_BitsdoManager, bitsdo_manager_create},
    {&CLSID_BitsdoQMgr, bitsdo_qmgr_create},
    {&CLSID_BitsdoDeliveryOptimization, bitsdo_domanager_create},
};

/* Marshals a class object for any process (TABLESTRONG: unmarshaled as
 * often as clients like, until CoReleaseMarshalData) into ref. */
static HRESULT marshal_class(IClassFactory *factory, bitsdo_host_class_ref *ref)
{
    IStream *stream = NULL;
    HGLOBAL mem;
    ULARGE_INTEGER size;
    LARGE_INTEGER zero = {{0}};
    HRESULT hr;
    void *p;

    if (FAILED(hr = CreateStreamOnHGlobal(NULL, TRUE, &stream)))
        return hr;
    hr = CoMarshalInterface(stream, &IID_IClassFactory, (IUnknown *)factory, MSHCTX_LOCAL, NULL,
                            MSHLFLAGS_TABLESTRONG);
    if (SUCCEEDED(hr))
        hr = IStream_Seek(stream, zero, STREAM_SEEK_CUR, &size);
    if (SUCCEEDED(hr) && size.QuadPart > sizeof(ref->objref))
        hr = E_OUTOFMEMORY;
    if (SUCCEEDED(hr) && SUCCEEDED(hr = GetHGlobalFromStream(stream, &mem))) {
        if ((p = GlobalLock(mem))) {
            memcpy(ref->objref, p, (size_t)size.QuadPart);
            ref->objref_len = (uint32_t)size.QuadPart;
            GlobalUnlock(mem);
        } else {
            hr = E_OUTOFMEMORY;
        }
    }
    IStream_Release(stream);
    return hr;
}

static void release_class_ref(const bitsdo_host_class_ref *ref)
{
    IStream *stream;

    if (!ref->objref_len || FAILED(CreateStreamOnHGlobal(NULL, TRUE, &stream)))
        return;
    if (SUCCEEDED(IStream_Write(stream, ref->objref, ref->objref_len, NULL))) {
        LARGE_INTEGER zero = {{0}};

        IStream_Seek(stream, zero, STREAM_SEEK_SET, NULL);
        CoReleaseMarshalData(stream);
    }
    IStream_Release(stream);
}

/* "-Stop": asks the running host to leave and waits (bounded) until it has. */
static DWORD stop_host(void)
{
    WCHAR name[256];
    HANDLE stop, lock;
    DWORD wait;

    if (!bitsdo_host_object_name(BITSDO_HOST_NAME_STOP, name, ARRAYSIZE(name)))
        return 1;
    if ((stop = OpenEventW(EVENT_MODIFY_STATE, FALSE, name))) {
        SetEvent(stop);
        CloseHandle(stop);
    }
    if (!bitsdo_host_object_name(BITSDO_HOST_NAME_LOCK, name, ARRAYSIZE(name)))
        return 1;
    if (!(lock = OpenMutexW(SYNCHRONIZE, FALSE, name)))
        return 0; /* no host */
    wait = WaitForSingleObject(lock, STOP_WAIT_MS);
    if (wait == WAIT_OBJECT_0 || wait == WAIT_ABANDONED)
        ReleaseMutex(lock);
    CloseHandle(lock);
    return wait == WAIT_TIMEOUT ? 2 : 0;
}

DWORD bitsdo_host_stop(void)
{
    return stop_host();
}

/* While the system classes are taken over (takeover.c), the host serves
 * them through rpcss too: each with the class object of the public class
 * that serves it (no new class object, so the idle count is unchanged). */
static void register_system_classes(IClassFactory **factories, DWORD *cookies)
{
    size_t i, j;

    if (!bitsdo_takeover_active())
        return;
    for (i = 0; i < bitsdo_system_class_count; i++)
        for (j = 0; j < BITSDO_HOST_CLASSES; j++)
            if (IsEqualCLSID(bitsdo_system_classes[i].ours, host_classes[j].clsid) &&
                FAILED(CoRegisterClassObject(bitsdo_system_classes[i].clsid, (IUnknown *)factories[j],
                                             CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookies[i])))
                cookies[i] = 0;
}

static void set_state(bitsdo_host_info *info, uint32_t state)
{
    info_write_begin(info);
    info->state = state;
    info_write_end(info);
}

DWORD bitsdo_host_run(const WCHAR *command_line)
{
    WCHAR name[256];
    HANDLE lock = NULL, ready = NULL, mapping = NULL, stop = NULL;
    bitsdo_host_info *info = NULL;
    IClassFactory *factories[BITSDO_HOST_CLASSES] = {0};
    DWORD cookies[BITSDO_HOST_CLASSES] = {0};
    DWORD system_cookies[BITSDO_SYSTEM_CLASSES_MAX] = {0};
    DWORD idle_ms = env_ms(L"BITSDO_HOST_IDLE_MS", DEFAULT_IDLE_MS), wait, code = 1;
    ULONGLONG idle_since = 0;
    FILETIME now;
    uint64_t generation;
    size_t i;
    HRESULT hr;

    if (command_line && (wcsstr(command_line, L"-Stop") || wcsstr(command_line, L"/Stop")))
        return stop_host();

    if (!bitsdo_host_object_name(BITSDO_HOST_NAME_LOCK, name, ARRAYSIZE(name)) ||
        !(lock = CreateMutexW(NULL, FALSE, name)))
        return 1;
    wait = WaitForSingleObject(lock, 0);
    if (wait != WAIT_OBJECT_0 && wait != WAIT_ABANDONED) {
        CloseHandle(lock);
        return 0; /* another host runs for this user */
    }
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        goto done_lock;
    GetSystemTimeAsFileTime(&now);
    generation = ((uint64_t)now.dwHighDateTime << 32) | now.dwLowDateTime;
    InterlockedExchange(&host_mode, 1);
    progress_start(generation);
    /* The stored jobs come back before any client can ask for them. A store
     * that cannot be opened leaves a host without persistence, not none. */
    bitsdo_persist_start();

    if (!bitsdo_host_object_name(BITSDO_HOST_NAME_STOP, name, ARRAYSIZE(name)) ||
        !(stop = CreateEventW(NULL, TRUE, FALSE, name)))
        goto done;
    ResetEvent(stop);
    if (!bitsdo_host_object_name(BITSDO_HOST_NAME_READY, name, ARRAYSIZE(name)) ||
        !(ready = CreateEventW(NULL, TRUE, FALSE, name)))
        goto done;
    ResetEvent(ready);
    if (!bitsdo_host_object_name(BITSDO_HOST_NAME_INFO, name, ARRAYSIZE(name)) ||
        !(mapping = CreateFileMappingW(INVALID_HANDLE_VALUE, NULL, PAGE_READWRITE, 0, sizeof(*info), name)) ||
        !(info = MapViewOfFile(mapping, FILE_MAP_WRITE, 0, 0, sizeof(*info))))
        goto done;

    info_write_begin(info);
    info->state = BITSDO_HOST_NONE;
    info_write_end(info);

    for (i = 0; i < BITSDO_HOST_CLASSES; i++) {
        if (FAILED(hr = bitsdo_factory_create(host_classes[i].create, &IID_IClassFactory,
                                              (void **)&factories[i])) ||
            FAILED(hr = CoRegisterClassObject(host_classes[i].clsid, (IUnknown *)factories[i],
                                              CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookies[i])))
            goto done;
    }
    register_system_classes(factories, system_cookies);
    bitsdo_rpcpin_start();

    info_write_begin(info);
    info->magic = BITSDO_HOST_INFO_MAGIC;
    info->version = BITSDO_HOST_INFO_VERSION;
    info->pid = GetCurrentProcessId();
    info->generation = generation;
    InterlockedExchange64(&info->heartbeat, (LONG64)GetTickCount64());
    info->class_count = BITSDO_HOST_CLASSES;
    hr = S_OK;
    for (i = 0; i < BITSDO_HOST_CLASSES && SUCCEEDED(hr); i++) {
        info->classes[i].clsid = *host_classes[i].clsid;
        hr = marshal_class(factories[i], &info->classes[i]);
    }
    info->state = SUCCEEDED(hr) ? BITSDO_HOST_READY : BITSDO_HOST_NONE;
    info_write_end(info);
    if (FAILED(hr))
        goto done;
    SetEvent(ready);

    /* Idle: no live object but the class objects, and no job that runs. */
    for (;;) {
        ULONGLONG tick;

        if (WaitForSingleObject(stop, HEARTBEAT_MS) == WAIT_OBJECT_0)
            break;
        tick = GetTickCount64();
        InterlockedExchange64(&info->heartbeat, (LONG64)tick);
        if (progress_map)
            bitsdo_progmap_beat(progress_map, tick);
        if (bitsdo_module_count() <= BITSDO_HOST_CLASSES && bitsdo_job_active_count() == 0) {
            if (!idle_since) {
                idle_since = tick;
            } else if (tick - idle_since >= idle_ms) {
                /* Close the door, then look again: a client that read READY
                 * just before may be creating an object through it now. */
                set_state(info, BITSDO_HOST_EXITING);
                if (WaitForSingleObject(stop, EXIT_GRACE_MS) == WAIT_OBJECT_0 ||
                    (bitsdo_module_count() <= BITSDO_HOST_CLASSES && bitsdo_job_active_count() == 0))
                    break;
                set_state(info, BITSDO_HOST_READY);
                SetEvent(ready);
                idle_since = 0;
            }
        } else {
            idle_since = 0;
        }
    }
    code = 0;

done:
    if (info) {
        info_write_begin(info);
        info->state = BITSDO_HOST_EXITING;
        info_write_end(info);
    }
    if (ready)
        ResetEvent(ready);
    for (i = 0; i < BITSDO_SYSTEM_CLASSES_MAX; i++)
        if (system_cookies[i])
            CoRevokeClassObject(system_cookies[i]);
    for (i = 0; i < BITSDO_HOST_CLASSES; i++) {
        if (cookies[i])
            CoRevokeClassObject(cookies[i]);
        if (info)
            release_class_ref(&info->classes[i]);
        if (factories[i]) {
            CoDisconnectObject((IUnknown *)factories[i], 0);
            IClassFactory_Release(factories[i]);
        }
    }
    if (info) {
        info_write_begin(info);
        memset(info->classes, 0, sizeof(info->classes));
        InterlockedExchange64(&info->heartbeat, 0);
        info_write_end(info);
        UnmapViewOfFile(info);
    }
    if (progress_map)
        bitsdo_progmap_close(progress_map);
    if (mapping)
        CloseHandle(mapping);
    if (ready)
        CloseHandle(ready);
    if (stop)
        CloseHandle(stop);
    bitsdo_persist_stop();
    /* host_mode stays on: the process is a host to its end (DllMain leaves
     * the stored jobs' temp files alone). */
    CoUninitialize();
done_lock:
    ReleaseMutex(lock);
    CloseHandle(lock);
    return code;
}
