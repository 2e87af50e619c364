/* trust_ca: puts the throwaway test CA (tools/testca.sh) into, or takes it
 * out of, the trusted root store of the Wine prefix the tests run in
 * (HKLM\Software\Microsoft\SystemCertificates\Root), so HTTPS is verified
 * for real inside that prefix and nowhere else.
 *
 *   trust_ca add UNIX-PATH-OF-ca.der
 *   trust_ca remove UNIX-PATH-OF-ca.der
 *
 * Run by ctest as a fixture, under Wine.
 *
 * SPDX-License-Identifier: MIT
 */
#include <windows.h>
#include <wincrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static BYTE *read_all(const WCHAR *path, DWORD *len)
{
    HANDLE h = CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, NULL, OPEN_EXISTING, 0, NULL);
    LARGE_INTEGER size;
    BYTE *data = NULL;

    if (h == INVALID_HANDLE_VALUE)
        return NULL;
    if (GetFileSizeEx(h, &size) && size.QuadPart > 0 && size.QuadPart < (1 << 20) &&
        (data = malloc((size_t)size.QuadPart))) {
        if (!ReadFile(h, data, (DWORD)size.QuadPart, len, NULL) || *len != (DWORD)size.QuadPart) {
            free(data);
            data = NULL;
        }
    }
    CloseHandle(h);
    return data;
}

int main(int argc, char **argv)
{
    WCHAR path[MAX_PATH];
    HCERTSTORE store;
    PCCERT_CONTEXT cert, found;
    BYTE *der;
    DWORD len = 0;
    BOOL add;
    int rc = 1;

    if (argc != 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "remove"))) {
        fprintf(stderr, "usage: trust_ca add|remove UNIX-PATH-OF-CA.der\n");
        return 2;
    }
    add = !strcmp(argv[1], "add");
    if (!tu_unix_to_dos(argv[2], path, MAX_PATH) || !(der = read_all(path, &len))) {
        fprintf(stderr, "trust_ca: cannot read %s\n", argv[2]);
        return 1;
    }
    if (!(cert = CertCreateCertificateContext(X509_ASN_ENCODING, der, len))) {
        fprintf(stderr, "trust_ca: %s is not a DER certificate (%lu)\n", argv[2], GetLastError());
        free(der);
        return 1;
    }
    store = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"Root");
    if (!store) {
        fprintf(stderr, "trust_ca: cannot open the machine's Root store (%lu)\n", GetLastError());
        goto done;
    }
    if (add) {
        if (CertAddEncodedCertificateToStore(
                store, X509_ASN_ENCODING, der, len, CERT_STORE_ADD_REPLACE_EXISTING, NULL)) {
            printf("trust_ca: test CA trusted in this prefix\n");
            rc = 0;
        } else {
            fprintf(stderr, "trust_ca: adding failed (%lu)\n", GetLastError());
        }
    } else {
        found = CertFindCertificateInStore(store, X509_ASN_ENCODING, 0, CERT_FIND_EXISTING, cert, NULL);
        if (!found || CertDeleteCertificateFromStore(found)) {
            printf("trust_ca: test CA no longer trusted in this prefix\n");
            rc = 0;
        } else {
            fprintf(stderr, "trust_ca: removing failed (%lu)\n", GetLastError());
        }
    }
    CertCloseStore(store, 0);
done:
    CertFreeCertificateContext(cert);
    free(der);
    return rc;
}
