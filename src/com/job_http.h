/* IBackgroundCopyJobHttpOptions, a secondary interface of the job object
 * (job.c embeds one of these; QueryInterface, AddRef and Release go to the
 * job object's own IUnknown). */
#ifndef BITSDO_COM_JOB_HTTP_H
#define BITSDO_COM_JOB_HTTP_H

#include "objects.h"

typedef struct bitsdo_job_http {
    IBackgroundCopyJobHttpOptions IBackgroundCopyJobHttpOptions_iface;
    IUnknown *outer; /* the job object, not AddRef'ed (it contains us) */
    bitsdo_job *job;
} bitsdo_job_http;

void bitsdo_job_http_init(bitsdo_job_http *http, IUnknown *outer, bitsdo_job *job);

#endif
