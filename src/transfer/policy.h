/* Windows policy values that bitsdo honours, read where Group Policy and
 * MDM write them, so the settings an administrator already deploys apply.
 *
 * Every value can be overridden for one process by the environment variable
 * BITSDO_POLICY_<value name> (a decimal number for REG_DWORD values, the
 * text for REG_SZ ones; set but empty means "not configured"): tests use it
 * so as not to change the machine-wide key under other tests. */
#ifndef BITSDO_TRANSFER_POLICY_H
#define BITSDO_TRANSFER_POLICY_H

#include <windows.h>

/* Delivery Optimization's policy key, under HKEY_LOCAL_MACHINE. */
#define BITSDO_POLICY_DO_KEY L"SOFTWARE\\Policies\\Microsoft\\Windows\\DeliveryOptimization"

/* DODownloadMode 100: Bypass (Delivery Optimization is not used; BITS is).
 * Microsoft's reference documents HTTP Only (0) and Simple (99) as still
 * downloading "from the download's original source or a Microsoft
 * Connected Cache server": only Bypass turns cache hosts off. */
#define BITSDO_DO_MODE_BYPASS 100

/* TRUE and *out when the value is configured (and is a REG_DWORD). */
BOOL bitsdo_policy_dword(const WCHAR *key, const WCHAR *name, DWORD *out);
/* The configured REG_SZ value (malloc'ed), or NULL. */
WCHAR *bitsdo_policy_string(const WCHAR *key, const WCHAR *name);

/* BITS's policy key, under HKEY_LOCAL_MACHINE. */
#define BITSDO_POLICY_BITS_KEY L"SOFTWARE\\Policies\\Microsoft\\Windows\\BITS"

/* The BITS job limits (REG_DWORD values MaxJobsPerUser, MaxJobsPerMachine,
 * MaxFilesPerJob, MaxRangesPerFile). Not configured, or 0: Windows'
 * defaults, 60 jobs per user, 300 per machine, 200 files per job, and our
 * 4,096 ranges per file (Windows' 500 is too few for DO's ranged
 * downloads); configured values are capped at what the core accepts
 * (BITSDO_MAX_JOBS, BITSDO_MAX_FILES_PER_JOB, BITSDO_MAX_RANGES_PER_FILE).
 * "Machine" is what one host (or one process, for the private classes)
 * holds: other users' jobs live in their own hosts. */
typedef enum bitsdo_bits_limit {
    BITSDO_LIMIT_JOBS_PER_USER,
    BITSDO_LIMIT_JOBS_PER_MACHINE,
    BITSDO_LIMIT_FILES_PER_JOB,
    BITSDO_LIMIT_RANGES_PER_FILE
} bitsdo_bits_limit;

/* One limit, read when it is checked (one registry read, not four). */
DWORD bitsdo_policy_bits_limit(bitsdo_bits_limit which);

/* What the cache-host policies say for one download. */
typedef struct bitsdo_cache_policy {
    WCHAR *hosts;          /* DOCacheHost (see cachehost.h), NULL: no cache host */
    DWORD fallback_delay_s; /* DODelayCacheServerFallback{Foreground,Background} */
} bitsdo_cache_policy;

/* Reads DOCacheHost, DODownloadMode and the fallback delay for a
 * foreground or background download. hosts is NULL when none is set or
 * DODownloadMode is Bypass. DOCacheHostSource (cache hosts from DHCP
 * option 235) is not read: bitsdo has no DHCP client of its own, so the
 * DOCacheHost list is used whatever the source policy says. */
void bitsdo_policy_cache(BOOL foreground, bitsdo_cache_policy *out);
void bitsdo_policy_cache_free(bitsdo_cache_policy *p);

#endif
