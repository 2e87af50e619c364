/* Helpers shared by the host tests (host_util.h). */
#include "host_util.h"
#include "hostinfo.h"

#include <stdlib.h>
#include <tlhelp32.h>

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

/* Ends every rpcss.exe of the prefix (one, in practice), bounded. */
static void end_rpcss(void)
{
    PROCESSENTRY32W entry;
    HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0), process;

    assert_true(snapshot != INVALID_HANDLE_VALUE);
    entry.dwSize = sizeof(entry);
    for (BOOL more = Process32FirstW(snapshot, &entry); more; more = Process32NextW(snapshot, &entry)) {
        if (_wcsicmp(entry.szExeFile, L"rpcss.exe") ||
            !(process = OpenProcess(SYNCHRONIZE | PROCESS_TERMINATE, FALSE, entry.th32ProcessID)))
            continue;
        if (TerminateProcess(process, 1))
            assert_int_equal(WAIT_OBJECT_0, WaitForSingleObject(process, 10000));
        CloseHandle(process);
    }
    CloseHandle(snapshot);
}

ULONGLONG hu_kill_host(HANDLE process)
{
    ULONGLONG gone;

    assert_non_null(process);
    assert_true(TerminateProcess(process, 9));
    assert_int_equal(WAIT_OBJECT_0, WaitForSingleObject(process, 10000));
    gone = tu_ms();
    CloseHandle(process);
    end_rpcss();
    return gone;
}
