/* Policy values from the registry, with per-process overrides (policy.h). */
#include "policy.h"

#include "jobrec.h"

#include <stdlib.h>
#include <wchar.h>

#define ENV_PREFIX L"BITSDO_POLICY_"
#define MAX_NAME   64

/* The override of `name`: 1 and *text (malloc'ed, maybe empty) when set. */
static int env_override(const WCHAR *name, WCHAR **text)
{
    WCHAR var[MAX_NAME + 16];
    DWORD n;

    *text = NULL;
    if (wcslen(name) > MAX_NAME)
        return 0;
    wcscpy(var, ENV_PREFIX);
    wcscat(var, name);
    if (!(n = GetEnvironmentVariableW(var, NULL, 0)))
        return GetLastError() == ERROR_ENVVAR_NOT_FOUND ? 0 : 1;
    if (!(*text = malloc(n * sizeof(WCHAR))))
        return 1;
    if (GetEnvironmentVariableW(var, *text, n) >= n)
        (*text)[0] = 0;
    return 1;
}

BOOL bitsdo_policy_dword(const WCHAR *key, const WCHAR *name, DWORD *out)
{
    DWORD value, size = sizeof(value);
    WCHAR *text, *end;
    BOOL ok;

    if (env_override(name, &text)) {
        ok = text && *text;
        if (ok) {
            unsigned long v = wcstoul(text, &end, 10);
            ok = !*end && v <= 0xFFFFFFFFul;
            if (ok)
                *out = (DWORD)v;
        }
        free(text);
        return ok;
    }
    if (RegGetValueW(HKEY_LOCAL_MACHINE, key, name, RRF_RT_REG_DWORD, NULL, &value, &size))
        return FALSE;
    *out = value;
    return TRUE;
}

WCHAR *bitsdo_policy_string(const WCHAR *key, const WCHAR *name)
{
    DWORD size = 0;
    WCHAR *text;

    if (env_override(name, &text)) {
        if (text && !*text) {
            free(text);
            return NULL;
        }
        return text;
    }
    if (RegGetValueW(HKEY_LOCAL_MACHINE, key, name, RRF_RT_REG_SZ, NULL, NULL, &size) || size < sizeof(WCHAR) ||
        !(text = malloc(size)))
        return NULL;
    if (RegGetValueW(HKEY_LOCAL_MACHINE, key, name, RRF_RT_REG_SZ, NULL, text, &size) || !*text) {
        free(text);
        return NULL;
    }
    return text;
}

DWORD bitsdo_policy_bits_limit(bitsdo_bits_limit which)
{
    static const struct {
        const WCHAR *name;
        DWORD fallback, ceiling;
    } limits[] = {
        [BITSDO_LIMIT_JOBS_PER_USER] = {L"MaxJobsPerUser", BITSDO_DEFAULT_JOBS_PER_USER, BITSDO_MAX_JOBS},
        [BITSDO_LIMIT_JOBS_PER_MACHINE] = {L"MaxJobsPerMachine", BITSDO_DEFAULT_JOBS_PER_MACHINE,
                                           BITSDO_MAX_JOBS},
        [BITSDO_LIMIT_FILES_PER_JOB] = {L"MaxFilesPerJob", BITSDO_DEFAULT_FILES_PER_JOB,
                                        BITSDO_MAX_FILES_PER_JOB},
        [BITSDO_LIMIT_RANGES_PER_FILE] = {L"MaxRangesPerFile", BITSDO_DEFAULT_RANGES_PER_FILE,
                                          BITSDO_MAX_RANGES_PER_FILE},
    };
    DWORD value;

    if (!bitsdo_policy_dword(BITSDO_POLICY_BITS_KEY, limits[which].name, &value) || !value)
        return limits[which].fallback;
    return value < limits[which].ceiling ? value : limits[which].ceiling;
}

void bitsdo_policy_cache(BOOL foreground, bitsdo_cache_policy *out)
{
    DWORD mode;

    out->hosts = NULL;
    out->fallback_delay_s = 0;
    if (bitsdo_policy_dword(BITSDO_POLICY_DO_KEY, L"DODownloadMode", &mode) && mode == BITSDO_DO_MODE_BYPASS)
        return;
    if (!(out->hosts = bitsdo_policy_string(BITSDO_POLICY_DO_KEY, L"DOCacheHost")))
        return;
    bitsdo_policy_dword(BITSDO_POLICY_DO_KEY,
                        foreground ? L"DODelayCacheServerFallbackForeground"
                                   : L"DODelayCacheServerFallbackBackground",
                        &out->fallback_delay_s);
}

void bitsdo_policy_cache_free(bitsdo_cache_policy *p)
{
    free(p->hosts);
    p->hosts = NULL;
}
