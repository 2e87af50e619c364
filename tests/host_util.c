/* Helpers shared by the host tests (host_util.h). */
#include "host_util.h"
#include "hostinfo.h"

#include <stdlib.h>

DWORD hu_run(const WCHAR *program, const WCHAR *args)
{
    WCHAR cmd[1024];
    STARTUPINFOW si;
    PROCESS_INFORMATION pi;
    DWORD code = 0xdead;

    memset(&si, 0, sizeof(si));
    si.cb = sizeof(si);
    swprintf(cmd, ARRAYSIZE(cmd), L"\"%ls\" %ls", program, args);
    assert_true(CreateProcessW(program, cmd, NULL, NULL, FALSE, 0, NULL, NULL, &si, &pi));
    CloseHandle(pi.hThread);
    assert_int_equal(WAIT_OBJECT_0, WaitForSingleObject(pi.hProcess, HU_CHILD_WAIT_MS));
    GetExitCodeProcess(pi.hProcess, &code);
    CloseHandle(pi.hProcess);
    return code;
}

DWORD hu_stop_host(void)
{
    WCHAR host[MAX_PATH], *slash;

    GetModuleFileNameW(NULL, host, ARRAYSIZE(host));
    slash = wcsrchr(host, L'\\');
    assert_non_null(slash);
    wcscpy(slash + 1, L"bitsdo-host.exe");
    return hu_run(host, L"-Stop");
}

HANDLE hu_host_process(DWORD *pid)
{
    WCHAR name[256];
    HANDLE mapping, process = NULL;
    const bitsdo_host_info *view;
    bitsdo_host_info *info = malloc(sizeof(*info));

    assert_non_null(info);
    if (bitsdo_host_object_name(BITSDO_HOST_NAME_INFO, name, ARRAYSIZE(name)) &&
        (mapping = OpenFileMappingW(FILE_MAP_READ, FALSE, name))) {
        if ((view = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, sizeof(*view)))) {
            if (bitsdo_host_info_read(view, info) && info->magic == BITSDO_HOST_INFO_MAGIC &&
                info->state == BITSDO_HOST_READY) {
                process = OpenProcess(SYNCHRONIZE | PROCESS_TERMINATE, FALSE, info->pid);
                if (pid)
                    *pid = info->pid;
            }
            UnmapViewOfFile(view);
        }
        CloseHandle(mapping);
    }
    free(info);
    return process;
}
