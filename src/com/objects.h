/* What the COM objects of bitsdo.dll know of each other: constructors and
 * the module's live-object count. One object per source file. */
#ifndef BITSDO_COM_OBJECTS_H
#define BITSDO_COM_OBJECTS_H

#include <windows.h>

#include "bitsdo.h"
#include "engine.h"
#include "facaderec.h"

/* server.c: the module. Every live object and server lock counts. */
extern HINSTANCE bitsdo_instance;
void bitsdo_module_addref(void);
void bitsdo_module_release(void);
/* Live objects and server locks (the host's idle test). */
LONG bitsdo_module_count(void);

/* register.c: the proxy/stub class (CLSID_BitsdoProxyStub) of the
 * widl-generated proxies linked into the DLL, and its registry entries. */
HRESULT bitsdo_proxy_get_class_object(REFCLSID clsid, REFIID riid, void **out);
BOOL bitsdo_proxy_can_unload(void);
ULONG bitsdo_proxy_interface_count(void);
HRESULT bitsdo_proxy_register(const WCHAR *dll_path);
HRESULT bitsdo_proxy_unregister(void);
LONG bitsdo_reg_delete_tree(const WCHAR *hkcr_subkey); /* gone: ERROR_SUCCESS */
BOOL bitsdo_reg_exists(const WCHAR *hkcr_subkey);

/* factory.c: a class factory for a constructor. */
typedef HRESULT (*bitsdo_constructor)(REFIID riid, void **out);
HRESULT bitsdo_factory_create(bitsdo_constructor ctor, REFIID riid, void **out);

/* connector.c: the class object of a public class in a client process,
 * which hands out the per-user host's objects. */
HRESULT bitsdo_connector_create(REFCLSID clsid, REFIID riid, void **out);
/* host_entry.c: what bitsdo-host.exe runs (CLSID_BitsdoHostEntry). */
HRESULT bitsdo_host_entry_create(REFIID riid, void **out);

/* manager.c */
HRESULT bitsdo_manager_create(REFIID riid, void **out);

/* job.c: a COM view of an engine job (takes its own reference). */
HRESULT bitsdo_job_object_create(bitsdo_job *job, REFIID riid, void **out);
/* IBackgroundCopyJob3::AddFileWithRanges and IDeliveryOptimizationJob's:
 * checks and adds a ranged file (written packed, in the order given). */
HRESULT bitsdo_job_add_file_ranges(bitsdo_job *job, LPCWSTR remote, LPCWSTR local, DWORD count,
                                   const BG_FILE_RANGE *ranges);
/* notify.c: how BITS-style jobs deliver engine events to
 * IBackgroundCopyCallback / Callback2 and the notify command line. */
extern const bitsdo_job_events bitsdo_bits_events;

/* file.c */
HRESULT bitsdo_file_object_create(bitsdo_job *job, uint32_t index, IBackgroundCopyFile **out);

/* enum_jobs.c: takes ownership of the referenced array. */
HRESULT bitsdo_enum_jobs_create(bitsdo_job **jobs, ULONG count, IEnumBackgroundCopyJobs **out);
/* enum_files.c */
HRESULT bitsdo_enum_files_create(bitsdo_job *job, IEnumBackgroundCopyFiles **out);

/* error.c */
HRESULT bitsdo_error_object_create(bitsdo_job *job, IBackgroundCopyError **out);
/* A description of hr in CoTaskMemAlloc'ed memory: ours for BG_/DO_/QM_
 * codes, the system's for the others. */
HRESULT bitsdo_describe_error(HRESULT hr, DWORD langid, LPWSTR *out);

/* --- legacy: BITS 1.0 (qmgr.h); the rest of it is in legacy.h ---------- */

/* qmgr.c: IBackgroundCopyQMgr, the class CLSID_BitsdoQMgr serves. */
HRESULT bitsdo_qmgr_create(REFIID riid, void **out);

/* --- DO native ----------------------------------------------------------- */

/* domanager.c: IDOManager (CLSID_BitsdoDeliveryOptimization). */
HRESULT bitsdo_domanager_create(REFIID riid, void **out);
/* dodownload.c: the engine events of DO downloads (which also tell DO
 * downloads from BITS jobs in the shared list), a new download (an engine
 * job in Created state), a COM view of an existing one (takes its own job
 * reference), and the EnumDownloads category test. */
extern const bitsdo_job_events bitsdo_do_events;
HRESULT bitsdo_dodownload_new(IDODownload **out);
HRESULT bitsdo_dodownload_create(bitsdo_job *job, REFIID riid, void **out);
BOOL bitsdo_dodownload_matches(bitsdo_job *job, DODownloadProperty id, const WCHAR *value);
/* The host's store (src/host/persist.c): whether the download is kept
 * across host restarts (NonVolatile TRUE, no stream sink); its facade
 * fields, with the job's lock held; a stored download back as an engine job
 * (takes rec's contents and the facade's strings; E_INVALIDARG for a
 * volatile one or a final state). */
BOOL bitsdo_dodownload_non_volatile(bitsdo_job *job);
HRESULT bitsdo_dodownload_save_locked(bitsdo_job *job, bitsdo_facade_rec *out);
HRESULT bitsdo_dodownload_restore(bitsdo_job_rec *rec, bitsdo_facade_rec *facade, bitsdo_job **out);
/* enum_unknown.c: takes ownership of the array and its references. */
HRESULT bitsdo_enum_unknown_create(IUnknown **items, ULONG count, IEnumUnknown **out);

#endif
