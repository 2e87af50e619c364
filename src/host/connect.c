/* The client side of the per-user host (docs/hosting.md, section 2): how
 * bitsdo.dll, loaded into a client for a public class, reaches the host's
 * class object without going through rpcss.
 *
 * It reads the host's published info (hostinfo.h). If a live host is
 * ready there, the class object is unmarshaled from it: the reference names
 * the host's apartment, which COM reaches directly. Otherwise it starts
 * bitsdo-host.exe from the DLL's own folder and waits, bounded, for the
 * host's ready event or its exit, then reads the info again. A host that
 * lost the race for the host lock exits at once: the info of the winner is
 * then what counts. This is what brings a killed host back at the next
 * use: rpcss may still hold the dead host's registration, but nothing here
 * asks rpcss. */
#include "objects.h"
#include "hostinfo.h"

#include <shlobj.h>
#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_START_MS 15000

/* How long to wait for a host that holds the lock before trying again. */
#define LOCKED_RETRY_MS 250

static DWORD start_timeout_ms(void)
{
    WCHAR buf[32];
    DWORD n = GetEnvironmentVariableW(L"BITSDO_HOST_START_MS", buf, ARRAYSIZE(buf));

    return n && n < ARRAYSIZE(buf) ? wcstoul(buf, NULL, 10) : DEFAULT_START_MS;
}

static BOOL process_alive(DWORD pid)
{
    HANDLE process = OpenProcess(SYNCHRONIZE, FALSE, pid);
    BOOL alive;

    if (!process)
        return FALSE;
    alive = WaitForSingleObject(process, 0) == WAIT_TIMEOUT;
    CloseHandle(process);
    return alive;
}

/* The class object of the host now published, if one is ready and alive. */
static HRESULT published_class_object(REFCLSID clsid, IClassFactory **out)
{
    WCHAR name[256];
    HANDLE mapping;
    const bitsdo_host_info *view;
    bitsdo_host_info *info;
    const bitsdo_host_class_ref *ref = NULL;
    IStream *stream = NULL;
    LARGE_INTEGER zero = {{0}};
    HRESULT hr = CO_E_SERVER_NOT_PAUSED;
    uint32_t i;
    BOOL ok;

    if (!bitsdo_host_object_name(BITSDO_HOST_NAME_INFO, name, ARRAYSIZE(name)))
        return E_UNEXPECTED;
    if (!(mapping = OpenFileMappingW(FILE_MAP_READ, FALSE, name)))
        return CO_E_SERVER_NOT_PAUSED;
    view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, sizeof(*view));
    CloseHandle(mapping);
    if (!view)
        return HRESULT_FROM_WIN32(GetLastError());
    if (!(info = malloc(sizeof(*info)))) {
        UnmapViewOfFile(view);
        return E_OUTOFMEMORY;
    }
    ok = bitsdo_host_info_read(view, info);
    UnmapViewOfFile(view);
    if (ok && info->magic == BITSDO_HOST_INFO_MAGIC && info->version == BITSDO_HOST_INFO_VERSION &&
        info->state == BITSDO_HOST_READY && process_alive(info->pid)) {
        for (i = 0; i < info->class_count && i < BITSDO_HOST_CLASSES; i++)
            if (IsEqualCLSID(&info->classes[i].clsid, clsid))
                ref = &info->classes[i];
        if (!ref || !ref->objref_len || ref->objref_len > sizeof(ref->objref))
            hr = CLASS_E_CLASSNOTAVAILABLE;
        else if (SUCCEEDED(hr = CreateStreamOnHGlobal(NULL, TRUE, &stream)) &&
                 SUCCEEDED(hr = IStream_Write(stream, ref->objref, ref->objref_len, NULL)) &&
                 SUCCEEDED(hr = IStream_Seek(stream, zero, STREAM_SEEK_SET, NULL)))
            hr = CoUnmarshalInterface(stream, &IID_IClassFactory, (void **)out);
        if (stream)
            IStream_Release(stream);
    }
    free(info);
    return hr;
}

/* %LOCALAPPDATA%\\bitsdo\\host.log for appending (inheritable), else NUL. */
static HANDLE open_host_log(SECURITY_ATTRIBUTES *sa)
{
    WCHAR path[MAX_PATH + 32];
    HANDLE h;

    if (SUCCEEDED(SHGetFolderPathW(NULL, CSIDL_LOCAL_APPDATA | CSIDL_FLAG_CREATE, NULL, SHGFP_TYPE_CURRENT,
                                   path))) {
        wcscat(path, L"\\bitsdo");
        CreateDirectoryW(path, NULL);
        wcscat(path, L"\\host.log");
        h = CreateFileW(path, FILE_APPEND_DATA, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, sa,
                        OPEN_ALWAYS, 0, NULL);
        if (h != INVALID_HANDLE_VALUE)
            return h;
    }
    return CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, sa,
                       OPEN_EXISTING, 0, NULL);
}

/* Starts bitsdo-host.exe from this DLL's folder; its process handle. */
static HRESULT spawn_host(HANDLE *process)
{
    WCHAR path[MAX_PATH], cmd[MAX_PATH + 16], *slash;
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    SECURITY_ATTRIBUTES sa = {sizeof(sa), NULL, TRUE};
    HANDLE out;
    DWORD len = GetModuleFileNameW(bitsdo_instance, path, ARRAYSIZE(path));
    BOOL ok;

    if (!len || len >= ARRAYSIZE(path) || !(slash = wcsrchr(path, L'\\')))
        return HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE);
    if ((size_t)(slash + 1 - path) + wcslen(L"bitsdo-host.exe") >= ARRAYSIZE(path))
        return HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE);
    wcscpy(slash + 1, L"bitsdo-host.exe");
    swprintf(cmd, ARRAYSIZE(cmd), L"\"%ls\" -Start", path);

    /* The host outlives its starter: it must not keep the starter's
     * standard handles (a pipe someone waits to see closed) open. Under Wine
     * a handle with no Unix file behind it (NUL) leaves the child the
     * starter's own Unix descriptors, so the host's output goes to a real
     * file: its log beside the store. Wine's debug channel (Unix stderr)
     * is still the starter's; tools/wine-run.sh deals with that for tests. */
    out = open_host_log(&sa);
    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    if (out != INVALID_HANDLE_VALUE) {
        si.dwFlags = STARTF_USESTDHANDLES;
        si.hStdInput = si.hStdOutput = si.hStdError = out;
    }
    ok = CreateProcessW(path, cmd, NULL, NULL, out != INVALID_HANDLE_VALUE, DETACHED_PROCESS, NULL, NULL,
                        &si, &pi);
    if (out != INVALID_HANDLE_VALUE)
        CloseHandle(out);
    if (!ok)
        return HRESULT_FROM_WIN32(GetLastError());
    CloseHandle(pi.hThread);
    *process = pi.hProcess;
    return S_OK;
}

HRESULT bitsdo_host_class_object(REFCLSID clsid, IClassFactory **out)
{
    WCHAR name[256];
    ULONGLONG deadline = GetTickCount64() + start_timeout_ms();
    HANDLE ready = NULL, process = NULL;
    HRESULT hr;

    *out = NULL;
    if (SUCCEEDED(hr = published_class_object(clsid, out)))
        return hr;
    if (!bitsdo_host_object_name(BITSDO_HOST_NAME_READY, name, ARRAYSIZE(name)) ||
        !(ready = CreateEventW(NULL, TRUE, FALSE, name)))
        return E_UNEXPECTED;
    while (GetTickCount64() < deadline) {
        HANDLE waits[2];
        ULONGLONG now;
        DWORD wait;

        /* A ready event left set by a host that died says nothing: clear it,
         * then look once more (a host may have become ready meanwhile). */
        ResetEvent(ready);
        if (SUCCEEDED(hr = published_class_object(clsid, out)))
            break;
        if (!process && FAILED(hr = spawn_host(&process)))
            break;
        waits[0] = ready;
        waits[1] = process;
        now = GetTickCount64();
        wait = WaitForMultipleObjects(2, waits, FALSE, now < deadline ? (DWORD)(deadline - now) : 0);
        if (SUCCEEDED(hr = published_class_object(clsid, out)))
            break;
        if (wait == WAIT_OBJECT_0 + 1) {
            DWORD code = 1;

            /* Exit 0: another host holds the lock. It is starting (it sets
             * ready) or leaving (an idle host looks again before it goes,
             * host.c): wait a little for ready, then look and start one
             * again. */
            GetExitCodeProcess(process, &code);
            CloseHandle(process);
            process = NULL;
            if (code) {
                hr = CO_E_SERVER_EXEC_FAILURE;
                break;
            }
            now = GetTickCount64();
            WaitForSingleObject(ready, now < deadline ? (DWORD)min(deadline - now, LOCKED_RETRY_MS) : 0);
            if (SUCCEEDED(hr = published_class_object(clsid, out)))
                break;
        } else if (wait == WAIT_TIMEOUT) {
            hr = CO_E_SERVER_START_TIMEOUT;
            break;
        }
    }
    if (SUCCEEDED(hr) && !*out)
        hr = CO_E_SERVER_START_TIMEOUT;
    if (process)
        CloseHandle(process);
    CloseHandle(ready);
    return hr;
}
