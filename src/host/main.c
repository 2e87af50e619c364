/* bitsdo-host.exe: the per-user job host (docs/hosting.md, section 3).
 * All of it lives in bitsdo.dll beside this file, so that the host runs
 * the one engine the DLL has: this only loads the DLL, asks it for the
 * host entry and runs it. COM starts it with "-Embedding" (LocalServer32);
 * bitsdo.dll starts it with "-Start"; "-Stop" asks a running host to
 * leave. */
#include <windows.h>

#include "bitsdo.h"

int WINAPI wWinMain(HINSTANCE instance, HINSTANCE prev, LPWSTR cmdline, int show)
{
    WCHAR path[MAX_PATH], *slash;
    LPFNGETCLASSOBJECT get_class_object;
    IBitsdoHostEntry *entry = NULL;
    HMODULE dll;
    DWORD len, code = 1;

    (void)instance;
    (void)prev;
    (void)cmdline;
    (void)show;
    len = GetModuleFileNameW(NULL, path, ARRAYSIZE(path));
    if (!len || len >= ARRAYSIZE(path) || !(slash = wcsrchr(path, L'\\')) ||
        (size_t)(slash + 1 - path) + 11 > ARRAYSIZE(path))
        return 1;
    wcscpy(slash + 1, L"bitsdo.dll");
    if (!(dll = LoadLibraryW(path)))
        return 1;
    get_class_object = (LPFNGETCLASSOBJECT)(void *)GetProcAddress(dll, "DllGetClassObject");
    if (get_class_object &&
        SUCCEEDED(get_class_object(&CLSID_BitsdoHostEntry, &IID_IBitsdoHostEntry, (void **)&entry))) {
        if (FAILED(IBitsdoHostEntry_Run(entry, GetCommandLineW(), &code)))
            code = 1;
        IBitsdoHostEntry_Release(entry);
    }
    /* The DLL stays loaded: the engine's threads have ended, and process
     * exit is the only unload. */
    return (int)code;
}
