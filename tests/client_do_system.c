/* An unmodified Delivery Optimization client, as the SDK's documentation
 * has one: against the SDK-shaped declarations of deliveryoptimization.h
 * (our idl/DeliveryOptimization.idl; MinGW-w64 has no such header) and
 * nothing else of bitsdo. It asks for CLSID_DeliveryOptimization with
 * CLSCTX_LOCAL_SERVER only, sets the proxy blanket on the manager and on
 * the download (impersonation, as DO requires) and gives up if that fails,
 * then downloads a URL to the end, finalizes and compares.
 *
 * usage: client_do_system URL SOURCE LOCAL (Windows paths)
 * Exit code: 0 done; 2 CoSetProxyBlanket failed; 1 anything else.
 *
 * SPDX-License-Identifier: MIT
 */
#include <windows.h>
#include <objbase.h>
#include <stdio.h>
#include <wchar.h>

#include "DeliveryOptimization.h"

#define WAIT_MS 120000

static HRESULT blanket(IUnknown *unk, const char *what)
{
    HRESULT hr = CoSetProxyBlanket(unk, RPC_C_AUTHN_DEFAULT, RPC_C_AUTHZ_NONE, COLE_DEFAULT_PRINCIPAL,
                                   RPC_C_AUTHN_LEVEL_DEFAULT, RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_DEFAULT);

    printf("CoSetProxyBlanket(%s): 0x%08lx\n", what, (unsigned long)hr);
    return hr;
}

static HRESULT set_string(IDODownload *d, DODownloadProperty id, const WCHAR *s)
{
    VARIANT v;
    HRESULT hr;

    V_VT(&v) = VT_BSTR;
    if (!(V_BSTR(&v) = SysAllocString(s)))
        return E_OUTOFMEMORY;
    hr = IDODownload_SetProperty(d, id, &v);
    VariantClear(&v);
    return hr;
}

static BOOL same_files(const WCHAR *a, const WCHAR *b)
{
    static unsigned char ba[65536], bb[65536];
    HANDLE ha = CreateFileW(a, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    HANDLE hb = CreateFileW(b, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    DWORD na, nb;
    BOOL same = ha != INVALID_HANDLE_VALUE && hb != INVALID_HANDLE_VALUE;

    while (same) {
        if (!ReadFile(ha, ba, sizeof(ba), &na, NULL) || !ReadFile(hb, bb, sizeof(bb), &nb, NULL) || na != nb ||
            memcmp(ba, bb, na))
            same = FALSE;
        else if (!na)
            break;
    }
    if (ha != INVALID_HANDLE_VALUE)
        CloseHandle(ha);
    if (hb != INVALID_HANDLE_VALUE)
        CloseHandle(hb);
    return same;
}

static int run(const WCHAR *url, const WCHAR *source, const WCHAR *local)
{
    IDOManager *manager = NULL;
    IDODownload *download = NULL;
    DO_DOWNLOAD_STATUS status = {0};
    ULONGLONG deadline;
    HRESULT hr;
    int result = 1;

    if (FAILED(hr = CoCreateInstance(&CLSID_DeliveryOptimization, NULL, CLSCTX_LOCAL_SERVER, &IID_IDOManager,
                                     (void **)&manager))) {
        printf("CoCreateInstance(CLSID_DeliveryOptimization, CLSCTX_LOCAL_SERVER): 0x%08lx\n", (unsigned long)hr);
        return 1;
    }
    if (FAILED(blanket((IUnknown *)manager, "manager"))) {
        IDOManager_Release(manager);
        return 2;
    }
    if (FAILED(hr = IDOManager_CreateDownload(manager, &download))) {
        printf("CreateDownload: 0x%08lx\n", (unsigned long)hr);
        goto done;
    }
    if (FAILED(blanket((IUnknown *)download, "download"))) {
        result = 2;
        goto done;
    }
    DeleteFileW(local);
    if (FAILED(hr = set_string(download, DODownloadProperty_Uri, url)) ||
        FAILED(hr = set_string(download, DODownloadProperty_LocalPath, local)) ||
        FAILED(hr = IDODownload_Start(download, NULL))) {
        printf("SetProperty/Start: 0x%08lx\n", (unsigned long)hr);
        goto done;
    }
    deadline = GetTickCount64() + WAIT_MS;
    while (GetTickCount64() < deadline) {
        if (FAILED(hr = IDODownload_GetStatus(download, &status)))
            break;
        if (status.State == DODownloadState_Transferred || status.State == DODownloadState_Aborted ||
            (status.State == DODownloadState_Paused && FAILED(status.Error)))
            break;
        Sleep(100);
    }
    printf("status: state %d, %llu/%llu bytes, error 0x%08lx\n", status.State,
           (unsigned long long)status.BytesTransferred, (unsigned long long)status.BytesTotal,
           (unsigned long)status.Error);
    if (status.State != DODownloadState_Transferred) {
        IDODownload_Abort(download);
        goto done;
    }
    if (FAILED(hr = IDODownload_Finalize(download))) {
        printf("Finalize: 0x%08lx\n", (unsigned long)hr);
        goto done;
    }
    if (!same_files(source, local)) {
        printf("%ls differs from %ls\n", local, source);
        goto done;
    }
    printf("downloaded %ls to the end\n", url);
    result = 0;
done:
    if (download)
        IDODownload_Release(download);
    IDOManager_Release(manager);
    return result;
}

int wmain(int argc, WCHAR **argv)
{
    int result;

    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc != 4)
        return 1;
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return 1;
    result = run(argv[1], argv[2], argv[3]);
    CoUninitialize();
    return result;
}
