/* The takeover of Windows' own CLSIDs (takeover.c, docs/hosting.md
 * section 9). */
#ifndef BITSDO_COM_TAKEOVER_H
#define BITSDO_COM_TAKEOVER_H

#include "objects.h"

/* A system class and the public class of ours that serves it. */
struct bitsdo_system_class {
    const CLSID *clsid;
    const WCHAR *name;
    const CLSID *ours; /* CLSID_BitsdoManager, CLSID_BitsdoQMgr or CLSID_BitsdoDeliveryOptimization */
};
extern const struct bitsdo_system_class bitsdo_system_classes[];
extern const size_t bitsdo_system_class_count;
#define BITSDO_SYSTEM_CLASSES_MAX 16 /* >= bitsdo_system_class_count */

/* Our public CLSID serving a system CLSID, or NULL if clsid is none. */
const CLSID *bitsdo_system_class_target(REFCLSID clsid);
/* TRUE while the system classes are taken over (regsvr32 /i:takeover). */
BOOL bitsdo_takeover_active(void);
/* regsvr32 /i:takeover[,force]: registers bitsdo, saves and rewrites the
 * system class keys, stops Wine's BITS service and the host. */
HRESULT bitsdo_takeover(BOOL force);
/* regsvr32 /u [/n] /i:takeover, and plain /u while taken over: restores the
 * saved class keys. S_OK when nothing is taken over. */
HRESULT bitsdo_takeover_undo(void);

/* server.c */
HRESULT bitsdo_register_server(void); /* DllRegisterServer */
const GUID *bitsdo_host_appid(void);  /* the AppID of bitsdo-host.exe */

#endif
